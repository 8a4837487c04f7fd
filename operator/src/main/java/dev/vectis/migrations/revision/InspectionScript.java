package dev.vectis.migrations.revision;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vectis.migrations.ScriptResources;
import java.util.List;

/**
 * The Python script, shipped in the jar, that prints an Alembic project's revision graph with
 * the project's own Alembic (stdlib and Alembic only), and the parser of what it prints.
 */
public final class InspectionScript {
  private static final String RESOURCE = "inspect_revisions.py";
  private static final ObjectMapper JSON = new ObjectMapper();

  private InspectionScript() {}

  /** The script's source; run it as {@code python -c <source> <alembic.ini>}. */
  public static String source() {
    return ScriptResources.read(InspectionScript.class, RESOURCE);
  }

  /** The command line that inspects the project whose configuration is {@code config}. */
  public static List<String> command(String python, String config) {
    return List.of(python, "-c", source(), config);
  }

  /**
   * What the script printed: the graph, or why it could not load one.
   *
   * @param changes per revision id, the operations its upgrade() and downgrade() perform (see
   *     {@code policy.RevisionChanges}); null when the document has none
   */
  public record Result(RevisionGraph graph, String alembicVersion, String error,
      JsonNode changes) {
    public Result(RevisionGraph graph, String alembicVersion, String error) {
      this(graph, alembicVersion, error, null);
    }

    public boolean ok() {
      return error == null;
    }
  }

  /** What starts the script's result line, so nothing the project prints is taken for it. */
  private static final String MARKER = "@schema-migration-inspection ";

  /**
   * The script's result in its output: the JSON of its last marked line or, without one (a
   * document stored before the marker existed), the last line that is a JSON object, so
   * warnings Alembic prints before it do no harm. Null when there is none.
   */
  public static String documentLine(String output) {
    String[] lines = output.split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      if (lines[i].startsWith(MARKER)) {
        return lines[i].substring(MARKER.length()).strip();
      }
    }
    for (int i = lines.length - 1; i >= 0; i--) {
      String line = lines[i].strip();
      if (line.startsWith("{")) {
        return line;
      }
    }
    return null;
  }

  /** Parses the script's output (see {@link #documentLine}). */
  public static Result parse(String output) {
    String line = documentLine(output);
    JsonNode document = null;
    if (line != null) {
      try {
        document = JSON.readTree(line);
      } catch (JsonProcessingException e) {
        return new Result(null, null, "the inspection's result is garbled (other output "
            + "written into it?): " + e.getOriginalMessage());
      }
    }
    if (document == null) {
      String tail = output.strip();
      return new Result(null, null, "the inspection printed no graph"
          + (tail.isEmpty() ? "" : ": " + tail.substring(Math.max(0, tail.length() - 500))));
    }
    if (document.has("error")) {
      return new Result(null, null, document.get("error").asText());
    }
    try {
      RevisionGraph graph = new RevisionGraph(
          GraphJson.revisions(document.get("revisions"), "revisions"));
      return new Result(graph, document.path("alembic_version").asText(null), null,
          document.get("changes"));
    } catch (IllegalArgumentException | AlembicError e) {
      return new Result(null, null, e.getMessage());
    }
  }
}
