package dev.vectis.migrations.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vectis.migrations.revision.AlembicCommands;
import dev.vectis.migrations.revision.MigrationPlan;
import dev.vectis.migrations.revision.Revision;
import dev.vectis.migrations.revision.RevisionGraph;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Planner benchmark, not a test: the Java engine and Alembic's own planning on the same
 * generated graphs, side by side in one run. Run with {@code mvn -B -Pbenchmark verify}
 * (see docs/benchmarks.md); prints a Markdown table and writes it to
 * {@code operator/target/benchmarks/planner.md}.
 */
public final class PlannerBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PYTHON = "/usr/bin/python3";

  private record Operation(String name, List<String> rows, String target, boolean upgrade) {}

  private record Graph(String shape, List<Revision> revisions, List<Operation> operations) {}

  public static void main(String[] args) throws Exception {
    int[] sizes = args.length > 0 ? Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt)
        .toArray() : new int[] {1_000, 10_000, 50_000};
    StringBuilder table = new StringBuilder();
    table.append("| graph | operation | steps | Java plan (ms) | Java build+plan (ms) | "
        + "Alembic plan (ms) | Alembic build+plan (ms) | speed-up (plan) | speed-up (build+plan) |\n");
    table.append("|---|---|---|---|---|---|---|---|---|\n");
    System.out.print(table);
    for (int size : sizes) {
      for (String shape : List.of("linear", "branchy")) {
        Graph graph = shape.equals("linear") ? linear(size) : branchy(size, new Random(size));
        // Alembic is quadratic on branchy graphs (27 s to build a 10,000-revision map with
        // labels here); at 50,000 it would run for hours, so it is left out there.
        boolean withAlembic = shape.equals("linear") || size <= 10_000;
        JsonNode alembic = withAlembic ? alembicTimes(graph, size >= 10_000 ? 1 : 5) : null;
        for (Operation operation : graph.operations()) {
          double[] java = javaTimes(graph, operation, size >= 50_000 ? 10 : 30);
          String row;
          if (alembic == null) {
            row = String.format(Locale.ROOT,
                "| %s %,d | %s | %,d | %.2f | %.2f | not run | not run | | |%n", shape, size,
                operation.name(), (int) java[2], java[0], java[1]);
            table.append(row);
            System.out.print(row);
            continue;
          }
          JsonNode python = alembic.get(operation.name());
          double pythonPlan = python.get("plan_ms").asDouble();
          double pythonFull = python.get("build_and_plan_ms").asDouble();
          row = String.format(Locale.ROOT,
              "| %s %,d | %s | %,d | %.2f | %.2f | %.1f | %.1f | %.0f× | %.0f× |%n", shape, size,
              operation.name(), (int) java[2], java[0], java[1], pythonPlan, pythonFull,
              pythonPlan / java[0], pythonFull / java[1]);
          table.append(row);
          System.out.print(row);
          System.out.flush();
          if ((int) java[2] != python.get("steps").asInt()) {
            throw new IllegalStateException("step counts differ for " + shape + " " + size + " "
                + operation.name() + ": java " + (int) java[2] + ", alembic "
                + python.get("steps").asInt());
          }
        }
      }
    }
    // test-classes/alembic/x.py -> target/benchmarks/planner.md
    Path out = resource("/alembic/alembic_plan_benchmark.py").getParent().getParent()
        .resolveSibling("benchmarks").resolve("planner.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, header() + table);
    System.out.println("written to " + out.toAbsolutePath());
  }

  private static String header() {
    return "JVM " + System.getProperty("java.version") + ", " + Runtime.getRuntime()
        .availableProcessors() + " cores\n\n";
  }

  /** Median Java times: {plan ms, build+plan ms, steps}. */
  private static double[] javaTimes(Graph graph, Operation operation, int repetitions) {
    RevisionGraph built = new RevisionGraph(graph.revisions());
    int steps = 0;
    for (int i = 0; i < 5; i++) { // warm-up: let the JIT compile the planner
      steps = plan(built, operation).steps().size();
      plan(new RevisionGraph(graph.revisions()), operation);
    }
    double[] planTimes = new double[repetitions];
    double[] fullTimes = new double[repetitions];
    for (int i = 0; i < repetitions; i++) {
      long start = System.nanoTime();
      plan(built, operation);
      planTimes[i] = (System.nanoTime() - start) / 1e6;
      start = System.nanoTime();
      plan(new RevisionGraph(graph.revisions()), operation);
      fullTimes[i] = (System.nanoTime() - start) / 1e6;
    }
    return new double[] {median(planTimes), median(fullTimes), steps};
  }

  private static MigrationPlan plan(RevisionGraph graph, Operation operation) {
    return operation.upgrade() ? AlembicCommands.upgrade(graph, operation.rows(),
        operation.target()) : AlembicCommands.downgrade(graph, operation.rows(),
        operation.target());
  }

  private static JsonNode alembicTimes(Graph graph, int repetitions)
      throws Exception {
    ObjectNode request = JSON.createObjectNode();
    ArrayNode revisions = request.putArray("revisions");
    for (Revision revision : graph.revisions()) {
      ObjectNode node = revisions.addObject();
      node.put("revision", revision.id());
      revision.downRevisions().forEach(node.putArray("down_revision")::add);
      revision.branchLabels().forEach(node.putArray("branch_labels")::add);
    }
    ArrayNode operations = request.putArray("operations");
    for (Operation operation : graph.operations()) {
      ObjectNode node = operations.addObject();
      node.put("name", operation.name());
      operation.rows().forEach(node.putArray("rows")::add);
      node.put("target", operation.target());
      node.put("direction", operation.upgrade() ? "upgrade" : "downgrade");
    }
    request.put("repetitions", repetitions);
    Path script = resource("/alembic/alembic_plan_benchmark.py");
    Process process = new ProcessBuilder(PYTHON, script.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try (OutputStream in = process.getOutputStream()) {
      in.write(JSON.writeValueAsString(request).getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IllegalStateException("Alembic benchmark failed: " + output);
    }
    return JSON.readTree(output);
  }

  private static Path resource(String name) throws java.net.URISyntaxException {
    return Path.of(PlannerBenchmark.class.getResource(name).toURI());
  }

  /** One straight line of revisions. */
  private static Graph linear(int size) {
    List<Revision> revisions = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      revisions.add(Revision.of(id(i), i == 0 ? null : id(i - 1)));
    }
    return new Graph("linear", revisions, operations(revisions, List.of(id(size - 1))));
  }

  /**
   * Up to eight branches at a time, opened from recent revisions and merged back in pairs,
   * each new branch labelled; ends with several heads.
   */
  private static Graph branchy(int size, Random random) {
    List<Revision> revisions = new ArrayList<>(size);
    List<String> open = new ArrayList<>();
    revisions.add(Revision.of(id(0), null));
    open.add(id(0));
    for (int i = 1; i < size; i++) {
      int choice = random.nextInt(100);
      if (choice < 10 && open.size() < 8) {
        String from = revisions.get(Math.max(0, revisions.size() - 1 - random.nextInt(20))).id();
        revisions.add(Revision.of(id(i), List.of(from), List.of("branch" + i), List.of()));
        open.add(id(i));
      } else if (choice < 20 && open.size() >= 2) {
        String first = open.remove(random.nextInt(open.size()));
        String second = open.remove(random.nextInt(open.size()));
        revisions.add(Revision.of(id(i), List.of(first, second), List.of(), List.of()));
        open.add(id(i));
      } else {
        int branch = random.nextInt(open.size());
        revisions.add(Revision.of(id(i), open.get(branch)));
        open.set(branch, id(i));
      }
    }
    return new Graph("branchy", revisions, operations(revisions, open));
  }

  private static List<Operation> operations(List<Revision> revisions, List<String> heads) {
    String middle = revisions.get(revisions.size() / 2).id();
    return List.of(
        new Operation("upgrade heads from base", List.of(), "heads", true),
        new Operation("upgrade heads from the middle", List.of(middle), "heads", true),
        new Operation("downgrade base from heads", heads, "base", false));
  }

  private static String id(int i) {
    return String.format("%012x", (long) i * 2_654_435_761L & 0xffffffffffffL);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
