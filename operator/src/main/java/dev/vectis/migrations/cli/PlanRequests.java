package dev.vectis.migrations.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vectis.migrations.revision.AlembicCommands;
import dev.vectis.migrations.revision.AlembicError;
import dev.vectis.migrations.revision.GraphJson;
import dev.vectis.migrations.revision.MigrationPlan;
import dev.vectis.migrations.revision.RevisionGraph;
import java.util.List;

/** One {@code plan --jsonl} request in, one answer out; never an exception. */
public final class PlanRequests {
  static final ObjectMapper JSON = new ObjectMapper();

  private PlanRequests() {}

  /** Answers one line of input. */
  public static ObjectNode answer(String line) {
    JsonNode request;
    try {
      request = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      return invalid("not JSON: " + e.getOriginalMessage());
    }
    return answer(request);
  }

  /** Answers one parsed request. */
  public static ObjectNode answer(JsonNode request) {
    if (request == null || !request.isObject()) {
      return invalid("must be a JSON object");
    }
    String target;
    boolean upgrade;
    List<String> current;
    List<dev.vectis.migrations.revision.Revision> revisions;
    try {
      revisions = GraphJson.revisions(request.get("revisions"), "revisions");
      current = GraphJson.stringOrList(request.get("current"), "current");
      JsonNode targetNode = request.get("target");
      if (targetNode == null || !targetNode.isTextual()) {
        throw new IllegalArgumentException("target: must be a string");
      }
      target = targetNode.asText();
      String direction = request.path("direction").asText("");
      if (!direction.equals("upgrade") && !direction.equals("downgrade")) {
        throw new IllegalArgumentException("direction: must be \"upgrade\" or \"downgrade\"");
      }
      upgrade = direction.equals("upgrade");
    } catch (IllegalArgumentException e) {
      return invalid(e.getMessage());
    }
    try {
      AlembicCommands.refusalBeforeLoading(current, target, upgrade).ifPresent(e -> {
        throw e;
      });
      RevisionGraph graph = new RevisionGraph(revisions);
      MigrationPlan plan = upgrade ? AlembicCommands.upgrade(graph, current, target)
          : AlembicCommands.downgrade(graph, current, target);
      return planned(plan);
    } catch (AlembicError e) {
      ObjectNode answer = JSON.createObjectNode();
      answer.put("ok", false);
      answer.put("error", e.getMessage());
      e.alembicCrash().ifPresent(crash -> answer.put("alembic_crash", crash));
      return answer;
    }
  }

  private static ObjectNode planned(MigrationPlan plan) {
    ObjectNode answer = JSON.createObjectNode();
    answer.put("ok", true);
    strings(answer.putArray("resolved_target"), plan.resolvedTarget());
    ArrayNode steps = answer.putArray("steps");
    for (MigrationPlan.Step step : plan.steps()) {
      ObjectNode node = steps.addObject();
      node.put("revision", step.revision());
      node.put("direction", step.direction());
      strings(node.putArray("version_table_after"), step.versionTableAfter());
    }
    strings(answer.putArray("final_version_table"), plan.finalVersionTable());
    return answer;
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  private static ObjectNode invalid(String why) {
    ObjectNode answer = JSON.createObjectNode();
    answer.put("ok", false);
    answer.put("error", "invalid request: " + why);
    return answer;
  }
}
