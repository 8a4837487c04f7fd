package dev.vectis.migrations.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vectis.migrations.api.ResourceValidator;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.policy.Rule;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The checks the API server makes with the CRD, made again on a spec where none may have
 * (a test API server, an old CRD): the same {@link ResourceValidator} as local mode, on the
 * spec as JSON. Each problem names the field path and what is wrong.
 */
public final class SpecValidator {
  private static final ObjectMapper JSON = new ObjectMapper()
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /**
   * Specs local mode has just checked as part of their whole document ({@code ResourceFile}),
   * as JSON: the decision does not check them again in this JVM (that check builds the CRD's
   * schema, about a tenth of a local {@code status}). Only local mode adds to it; for the
   * operator it stays empty.
   */
  private static final Set<String> CHECKED_WITH_THEIR_DOCUMENT = ConcurrentHashMap.newKeySet();

  private SpecValidator() {}

  /** {@code spec}, bound from a document that had no problem, needs no second check. */
  public static void checkedWithItsDocument(SchemaMigrationSpec spec) {
    try {
      CHECKED_WITH_THEIR_DOCUMENT.add(JSON.valueToTree(spec).toString());
    } catch (IllegalArgumentException e) {
      // not serializable: checked in full when asked
    }
  }

  /**
   * The problems of a spec, empty when it is valid.
   *
   * @param requireDatabase false to accept a spec without {@code database} (whose database
   *     comes from elsewhere); a database that is there is checked in full either way
   */
  public static List<String> problems(SchemaMigrationSpec spec, boolean requireDatabase) {
    List<String> problems = new ArrayList<>();
    if (spec == null) {
      problems.add("spec: is required");
      return problems;
    }
    ObjectNode tree;
    try {
      tree = JSON.valueToTree(spec);
    } catch (IllegalArgumentException e) {
      problems.add("spec: cannot be read (" + e.getMessage().lines().findFirst().orElse("") + ")");
      return problems;
    }
    nullsWhereTheCodeNeedsValues(JSON.valueToTree(new SchemaMigrationSpec()), tree, "spec",
        problems);
    if (spec.policy != null && spec.policy.rules != null) {
      // The schema checks the severities; which keys are rules only the code knows.
      spec.policy.rules.keySet().stream().filter(id -> Rule.byId(id) == null)
          .forEach(id -> problems.add("spec.policy.rules." + id + ": not a lint rule (rules: "
              + Rule.ids() + ")"));
    }
    if (!requireDatabase && !CHECKED_WITH_THEIR_DOCUMENT.isEmpty()
        && CHECKED_WITH_THEIR_DOCUMENT.contains(tree.toString())) {
      return problems;
    }
    for (ResourceValidator.Problem problem : ResourceValidator.instance().checkSpec(tree)) {
      if (requireDatabase || !(problem.field().equals("spec.database")
          && problem.keyword().equals("required"))) {
        problems.add(problem.toString());
      }
    }
    return problems;
  }

  /**
   * A field that has a value in a new spec (a default) but is null here: JSON null from an
   * API server that neither prunes nulls nor applies the CRD's defaults, as a real one does.
   */
  private static void nullsWhereTheCodeNeedsValues(JsonNode defaults, JsonNode actual,
      String path, List<String> problems) {
    Iterator<Map.Entry<String, JsonNode>> fields = defaults.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String fieldPath = path + "." + field.getKey();
      if (!actual.has(field.getKey())) {
        problems.add(fieldPath + ": must not be null");
      } else if (field.getValue().isObject()) {
        nullsWhereTheCodeNeedsValues(field.getValue(), actual.get(field.getKey()), fieldPath,
            problems);
      }
    }
  }
}
