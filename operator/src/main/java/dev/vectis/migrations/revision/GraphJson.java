package dev.vectis.migrations.revision;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads revisions from JSON: the inspection script's output and the {@code plan --jsonl}
 * requests share the fields {@code revision}, {@code down_revision} (null, a string or a list),
 * {@code branch_labels}, {@code depends_on}, and optionally {@code doc},
 * {@code upgrade_empty}, {@code downgrade_empty}. Bad input names the field that is wrong.
 */
public final class GraphJson {
  private GraphJson() {}

  /** The revisions of a JSON array, in its order (Alembic's load order). */
  public static List<Revision> revisions(JsonNode array, String path) {
    if (array == null || !array.isArray()) {
      throw new IllegalArgumentException(path + ": must be a list of revisions");
    }
    List<Revision> revisions = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      revisions.add(revision(array.get(i), path + "[" + i + "]"));
    }
    return revisions;
  }

  private static Revision revision(JsonNode node, String path) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(path + ": must be an object");
    }
    JsonNode id = node.get("revision");
    if (id == null || !id.isTextual() || id.asText().isEmpty()) {
      throw new IllegalArgumentException(path + ".revision: must be a non-empty string");
    }
    return new Revision(id.asText(),
        stringOrList(node.get("down_revision"), path + ".down_revision"),
        stringOrList(node.get("branch_labels"), path + ".branch_labels"),
        stringOrList(node.get("depends_on"), path + ".depends_on"),
        node.path("doc").asText(""),
        node.path("upgrade_empty").asBoolean(false),
        node.path("downgrade_empty").asBoolean(false));
  }

  /** null, a string or a list of strings, as Alembic's {@code util.to_tuple} accepts them. */
  public static List<String> stringOrList(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (node.isTextual()) {
      return List.of(node.asText());
    }
    if (node.isArray()) {
      List<String> values = new ArrayList<>(node.size());
      for (JsonNode item : node) {
        if (!item.isTextual()) {
          throw new IllegalArgumentException(path + ": must hold only strings");
        }
        values.add(item.asText());
      }
      return values;
    }
    throw new IllegalArgumentException(path + ": must be null, a string or a list of strings");
  }
}
