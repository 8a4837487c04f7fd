package dev.vectis.migrations.policy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one revision's upgrade() and downgrade() do, as the inspection captured it by running
 * them in Alembic's offline mode: the operation objects' facts, each with its line.
 *
 * @param file the revision file, relative to the directory Alembic runs in
 * @param waivers the file's {@code # schema-migration: allow <rule> -- <reason>} comments
 */
public record RevisionChanges(String file, Phase upgrade, Phase downgrade,
    List<Waiver> waivers) {
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public RevisionChanges {
    upgrade = upgrade == null ? Phase.NOT_CAPTURED : upgrade;
    downgrade = downgrade == null ? Phase.NOT_CAPTURED : downgrade;
    waivers = waivers == null ? List.of() : List.copyOf(waivers);
  }

  /**
   * One function's run.
   *
   * @param defined whether the module has the function at all
   * @param line the line of its {@code def}
   * @param error why the run stopped early (the operations after it were not seen)
   * @param errorLine the line of the revision file the error came from
   */
  public record Phase(boolean defined, List<Operation> operations, Integer line, String error,
      Integer errorLine) {
    static final Phase NOT_CAPTURED = new Phase(true, List.of(), null, null, null);

    public Phase {
      operations = operations == null ? List.of() : List.copyOf(operations);
    }
  }

  /**
   * One operation object's facts (which ones are set depends on {@code op}, Alembic's class
   * name: CreateTableOp, AddColumnOp, AlterColumnOp, CreateIndexOp, ExecuteSQLOp, ...). Types
   * are as PostgreSQL spells them (BIGINT, VARCHAR(3), NUMERIC(18, 8)).
   */
  public record Operation(String op, String schema, String table, String column, Integer line,
      List<Column> columns, String type, String existingType, Boolean nullable,
      Boolean serverDefault, Boolean existingServerDefault, Boolean primaryKey, String index,
      Boolean concurrently, String sql) {
    public Operation {
      columns = columns == null ? List.of() : List.copyOf(columns);
    }
  }

  public record Column(String name, String type, boolean nullable, boolean serverDefault,
      boolean primaryKey) {}

  /**
   * A {@code # schema-migration: allow <rule> -- <reason>} comment.
   *
   * @param malformed the comment, when it starts like a waiver and is not one
   */
  public record Waiver(String rule, String reason, int line, String malformed) {}

  /**
   * The inspection document's {@code changes}, by revision id; empty when the document has
   * none (an inspection from before the capture existed).
   */
  public static Map<String, RevisionChanges> parse(JsonNode changes) {
    Map<String, RevisionChanges> byRevision = new LinkedHashMap<>();
    if (changes == null || !changes.isObject()) {
      return byRevision;
    }
    changes.fields().forEachRemaining(entry -> {
      try {
        byRevision.put(entry.getKey(),
            JSON.readerFor(RevisionChanges.class).readValue(entry.getValue()));
      } catch (IOException e) {
        throw new IllegalArgumentException("changes." + entry.getKey() + ": " + e.getMessage());
      }
    });
    return byRevision;
  }
}
