package dev.vectis.migrations.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vectis.migrations.local.LocalAlembic;
import dev.vectis.migrations.local.LocalPaths;
import dev.vectis.migrations.revision.AlembicCommands;
import dev.vectis.migrations.revision.AlembicError;
import dev.vectis.migrations.revision.InspectionScript;
import dev.vectis.migrations.revision.MigrationPlan;
import dev.vectis.migrations.revision.Revision;
import dev.vectis.migrations.revision.RevisionGraph;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "plan", mixinStandardHelpOptions = true,
    description = {"Plans an Alembic upgrade or downgrade with Alembic's exact semantics, "
        + "without a database.",
        "Exit 0: a plan; 1: Alembic would refuse (FAILED: ...); 2: bad input."})
final class PlanCommand implements Callable<Integer> {
  static final int EXIT_REFUSED = 1;

  @Option(names = "--jsonl", description = "Read JSON requests from stdin, one a line, and "
      + "write one JSON answer a line.")
  boolean jsonl;

  @ArgGroup(exclusive = true)
  GraphSource source;

  static final class GraphSource {
    @Option(names = "--graph", paramLabel = "FILE",
        description = "The revision graph as JSON (the inspection script's output).")
    Path graph;

    @Option(names = "--project-dir", paramLabel = "DIR",
        description = "The project checkout; its graph is read with the local Alembic.")
    Path projectDir;
  }

  @Option(names = "--config", paramLabel = "FILE",
      description = "alembic.ini, relative to --project-dir (default: the one alembic.ini in "
          + "DIR or up to 3 levels below).")
  Path config;

  @Option(names = "--python", description = "Python with Alembic (default: the interpreter of "
      + "the alembic on PATH).")
  String python;

  @Option(names = "--current", defaultValue = "", paramLabel = "ROWS",
      description = "The alembic_version rows, comma-separated; empty for a new database.")
  String current;

  @Option(names = "--target", defaultValue = "head",
      description = "The Alembic target (default: ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--downgrade", description = "Plan `alembic downgrade` instead of upgrade.")
  boolean downgrade;

  @Override
  public Integer call() throws IOException {
    if (jsonl) {
      return streamJsonLines();
    }
    PrintStream out = System.out;
    if (source == null) {
      System.err.println("plan: give --jsonl, --graph FILE or --project-dir DIR");
      return Main.EXIT_USAGE;
    }
    InspectionScript.Result inspected = loadGraph();
    if (!inspected.ok()) {
      System.err.println("plan: cannot read the revision graph: " + inspected.error());
      return Main.EXIT_USAGE;
    }
    RevisionGraph graph = inspected.graph();
    List<String> rows = new ArrayList<>();
    for (String row : current.split(",")) {
      if (!row.isBlank()) {
        rows.add(row.strip());
      }
    }
    out.println("Revisions:  " + graph.revisions().size() + " (heads " + join(graph.heads())
        + "; bases " + join(graph.bases()) + ")");
    out.println("Database:   " + (rows.isEmpty() ? "<base>" : String.join(", ", rows)));
    String command = downgrade ? "downgrade" : "upgrade";
    MigrationPlan plan;
    try {
      plan = downgrade ? AlembicCommands.downgrade(graph, rows, target)
          : AlembicCommands.upgrade(graph, rows, target);
    } catch (AlembicError e) {
      out.println("alembic " + command + " " + target + ":");
      out.println("FAILED: " + e.getMessage());
      return EXIT_REFUSED;
    }
    out.println("Target:     " + target + " -> "
        + (plan.resolvedTarget().isEmpty() ? "<base>" : join(plan.resolvedTarget())));
    out.println();
    out.println("alembic " + command + " " + target + ": " + plan.steps().size() + " step"
        + (plan.steps().size() == 1 ? "" : "s"));
    for (MigrationPlan.Step step : plan.steps()) {
      out.println("  " + runningLine(graph.revision(step.revision()), step.upgrade()));
    }
    out.println();
    out.println("alembic_version after: " + (plan.finalVersionTable().isEmpty() ? "<empty>"
        : String.join(", ", plan.finalVersionTable())));
    return 0;
  }

  /** Alembic's own log line for a step: "Running upgrade a -> b, message". */
  static String runningLine(Revision revision, boolean upgrade) {
    String parents = String.join(", ", revision.downRevisions());
    return upgrade
        ? "Running upgrade " + parents + " -> " + revision.id() + ", " + revision.message()
        : "Running downgrade " + revision.id() + " -> " + parents + ", " + revision.message();
  }

  private InspectionScript.Result loadGraph() throws IOException {
    if (source.graph != null) {
      if (!Files.isReadable(source.graph)) {
        return new InspectionScript.Result(null, null, source.graph + " is not readable");
      }
      return InspectionScript.parse(Files.readString(source.graph));
    }
    String interpreter = python != null ? python : LocalAlembic.defaultPython();
    Path ini;
    try {
      ini = LocalPaths.alembicIni(source.projectDir, config);
    } catch (IllegalArgumentException e) {
      return new InspectionScript.Result(null, null, e.getMessage());
    }
    return LocalAlembic.inspect(ini.getParent(), ini.getFileName().toString(), interpreter);
  }

  private static int streamJsonLines() throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode answer = PlanRequests.answer(line);
      out.println(PlanRequests.JSON.writeValueAsString(answer));
      out.flush();
    }
    return 0;
  }

  private static String join(List<String> ids) {
    return ids.isEmpty() ? "none" : String.join(", ", ids);
  }
}
