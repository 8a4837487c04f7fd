package dev.vectis.migrations.revision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@code history -r START:END} against the real Alembic's {@code walk_revisions} and
 * {@code cmd_format} on generated graphs: the same lines in the same order (docs left out on
 * both sides; branch labels compared as sets), or both refusing with the same message.
 */
class HistoryDifferentialTest {
  private static final int CASES = Integer.getInteger("differential.history.cases", 600);
  private static final long SEED = Long.getLong("differential.seed", 20261201L);

  @Test
  void historyAgreesWithAlembic() {
    Random random = new Random(SEED);
    List<ObjectNode> requests = new RandomPlanCases(SEED).cases(CASES);
    for (ObjectNode request : requests) {
      request.put("target", range(random, request));
      request.put("direction", "history");
    }
    List<JsonNode> expected = AlembicOracle.answer(requests);
    List<String> disagreements = new ArrayList<>();
    TreeMap<String, Integer> outcomes = new TreeMap<>();
    for (int i = 0; i < requests.size(); i++) {
      JsonNode alembic = expected.get(i);
      String java = javaAnswer(requests.get(i));
      String python = alembic.path("ok").asBoolean() ? "ok " + alembic.path("lines")
          : alembic.has("crash") ? "crash" : "error " + alembic.path("error").asText();
      if (alembic.path("hash_sensitive").asBoolean()) {
        // The order among revisions with several dependencies follows Python's set order.
        python = linesSorted(python);
        java = linesSorted(java);
      }
      if (java.equals("refused graph") && !python.startsWith("ok")) {
        java = python;
      }
      if (python.equals("crash") && java.startsWith("error ")) {
        java = "crash"; // where Alembic stops with a traceback we answer a readable error
      }
      outcomes.merge(python.startsWith("ok") ? "ok" : python.startsWith("crash") ? "crash"
          : "error", 1, Integer::sum);
      if (!labelsSorted(python).equals(labelsSorted(java))) {
        disagreements.add("case " + i + " -r " + requests.get(i).path("target").asText()
            + "\n  revisions " + requests.get(i).path("revisions") + "\n  alembic " + python
            + "\n  java    " + java);
      }
    }
    System.out.println("history differential: " + requests.size() + " cases, " + outcomes);
    assertThat(disagreements).as("%d of %d disagree:\n%s", disagreements.size(),
        requests.size(), String.join("\n", disagreements.subList(0,
            Math.min(5, disagreements.size())))).isEmpty();
    assertThat(outcomes.getOrDefault("ok", 0)).isGreaterThan(CASES / 2);
    assertThat(outcomes.getOrDefault("error", 0)).isGreaterThan(CASES / 50);
  }

  private static String linesSorted(String answer) {
    if (!answer.startsWith("ok ")) {
      return answer;
    }
    List<String> lines = new ArrayList<>();
    try {
      new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.substring(3))
          .forEach(line -> lines.add(line.asText()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return "ok (any order) " + lines.stream().sorted().toList();
  }

  /** Branch labels are a Python set: their order follows string hashing, not the graph. */
  private static String labelsSorted(String answer) {
    return java.util.regex.Pattern.compile("\\((lbl[^)]*)\\)").matcher(answer)
        .replaceAll(match -> "(" + java.util.Arrays.stream(match.group(1).split(", "))
            .sorted().collect(java.util.stream.Collectors.joining(", ")) + ")");
  }

  /** Ranges of every shape, from the generated target and version table rows. */
  private static String range(Random random, ObjectNode request) {
    // A target with ":" would make a three-part range, which the command refuses itself.
    String target = request.path("target").asText().contains(":") ? "heads"
        : request.path("target").asText();
    JsonNode rows = request.path("current");
    String row = rows.isEmpty() ? "base" : rows.get(0).asText();
    return switch (random.nextInt(7)) {
      case 0 -> ":";
      case 1 -> ":" + target;
      case 2 -> target + ":";
      case 3 -> row + ":" + target;
      case 4 -> "base:" + target;
      case 5 -> row + ":";
      default -> row + ":heads";
    };
  }

  private static String javaAnswer(ObjectNode request) {
    String[] ends = request.path("target").asText().split(":", -1);
    RevisionGraph graph;
    try {
      graph = new RevisionGraph(GraphJson.revisions(request.get("revisions"), "revisions"));
    } catch (AlembicError e) {
      // Alembic builds its map lazily and may refuse the range first: both refuse.
      return "refused graph";
    }
    try {
      List<String> lines = new ArrayList<>();
      for (Revision revision : AlembicCommands.history(graph, ends[0], ends[1])) {
        lines.add(RevisionLines.history(graph, revision.id(), false));
      }
      return "ok " + new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(lines);
    } catch (AlembicError e) {
      return e.alembicCrash().isPresent() ? "crash" : "error " + e.getMessage();
    }
  }
}
