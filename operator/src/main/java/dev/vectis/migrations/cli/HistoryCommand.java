package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.revision.AlembicCommands;
import dev.vectis.migrations.revision.AlembicError;
import dev.vectis.migrations.revision.Revision;
import dev.vectis.migrations.revision.RevisionGraph;
import dev.vectis.migrations.revision.RevisionLines;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "history", mixinStandardHelpOptions = true,
    description = {"Lists the project's revisions newest first, as `alembic history` does; "
        + "reads the database only for `current` in the range or --indicate-current.",
        "With NAMESPACE/NAME: what ran for that SchemaMigration in the cluster "
            + "(status.history), as `kubectl smig history` prints it.",
        "Exit 0: printed; 1: the scripts or the database cannot be read; 2: bad input or a "
            + "range Alembic refuses."})
final class HistoryCommand implements Callable<Integer> {
  @Mixin LocalOptions local;
  @Mixin ClusterOptions cluster;

  @picocli.CommandLine.Parameters(arity = "0..1", paramLabel = "NAMESPACE/NAME",
      description = "A SchemaMigration in the cluster: print its status.history instead.")
  String resourceName;

  @Option(names = {"-r", "--rev-range"}, paramLabel = "[START]:[END]",
      description = "As Alembic's: base:head, 1975ea:, :ae10, -2:, current:, :current, "
          + "branch@head... (default: all).")
  String range;

  @Option(names = {"-i", "--indicate-current"},
      description = "Mark the database's current revisions (reads the database).")
  boolean indicateCurrent;

  @Option(names = {"-v", "--verbose"},
      description = "Each revision as `show` prints it (Alembic's --verbose, without Path:).")
  boolean verbose;

  @Override
  public Integer call() {
    if (resourceName != null) {
      if (local.output == OutputFormat.sarif) {
        System.err.println("history: -o sarif: only lint and rehearse print SARIF; use text, "
            + "json or yaml");
        return Main.EXIT_USAGE;
      }
      return ClusterHistoryCommand.print("history", cluster, resourceName, false,
          ClusterOutput.valueOf(local.output.name()));
    }
    try {
      String lower = "";
      String upper = "";
      if (range != null) {
        if (!range.contains(":")) {
          throw new CommandFailure("-r " + range + ": History range requires [start]:[end], "
              + "[start]:, or :[end]", Main.EXIT_USAGE);
        }
        String[] ends = range.strip().split(":", -1);
        if (ends.length != 2) {
          throw new CommandFailure("-r " + range + ": one ':' between start and end",
              Main.EXIT_USAGE);
        }
        lower = ends[0];
        upper = ends[1];
      }
      SchemaMigration resource = local.resource();
      RevisionGraph graph = ProjectRevisions.graph(local, resource);
      List<String> current = List.of();
      if (indicateCurrent || lower.equals("current") || upper.equals("current")) {
        current = ProjectRevisions.currentRows(local, resource);
        lower = lower.equals("current") ? single(current, "start") : lower;
        upper = upper.equals("current") ? single(current, "end") : upper;
      }
      List<Revision> revisions;
      try {
        revisions = AlembicCommands.history(graph, lower, upper);
      } catch (AlembicError e) {
        throw new CommandFailure(e.getMessage(), Main.EXIT_USAGE);
      }
      List<String> rows = current;
      if (local.output == OutputFormat.text) {
        for (Revision revision : revisions) {
          boolean isCurrent = indicateCurrent && rows.contains(revision.id());
          System.out.println(verbose ? RevisionLines.show(graph, revision.id(), isCurrent)
              : RevisionLines.history(graph, revision.id(), isCurrent));
        }
      } else {
        local.output.printDocument(System.out, Map.of("history", revisions.stream()
            .map(revision -> ProjectRevisions.RevisionView.of(graph, revision,
                indicateCurrent ? rows.contains(revision.id()) : null)).toList()));
      }
      return 0;
    } catch (Exception e) {
      return LocalOptions.failed("history", e, local.output);
    }
  }

  /** {@code current} as one end of a range: the database's one row, or the default end. */
  private static String single(List<String> rows, String end) throws CommandFailure {
    if (rows.size() > 1) {
      throw new CommandFailure("-r: current as the range's " + end + " needs one current "
          + "revision; the database is at " + String.join(", ", rows) + ": give one of them",
          Main.EXIT_USAGE);
    }
    return rows.isEmpty() ? "" : rows.get(0); // as Alembic: no rows is the range's default
  }
}
