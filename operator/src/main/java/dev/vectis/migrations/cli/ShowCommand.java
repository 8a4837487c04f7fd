package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.revision.AlembicCommands;
import dev.vectis.migrations.revision.AlembicError;
import dev.vectis.migrations.revision.Revision;
import dev.vectis.migrations.revision.RevisionGraph;
import dev.vectis.migrations.revision.RevisionLines;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "show", mixinStandardHelpOptions = true,
    description = {"Shows a revision as `alembic show` does (without its Path: line); REV is "
        + "an id, a unique prefix, head, heads, a branch label, label@head, or current (reads "
        + "the database).",
        "Exit 0: shown; 1: the scripts or the database cannot be read; 2: bad input or an "
            + "unknown revision."})
final class ShowCommand implements Callable<Integer> {
  @Mixin LocalOptions local;

  @Parameters(paramLabel = "REV", description = "The revision to show.")
  String revision;

  @Override
  public Integer call() {
    try {
      SchemaMigration resource = local.resource();
      RevisionGraph graph = ProjectRevisions.graph(local, resource);
      List<Revision> shown = new ArrayList<>();
      if (revision.equals("current")) {
        for (String row : ProjectRevisions.currentRows(local, resource)) {
          if (graph.revision(row) == null) {
            throw new CommandFailure("the database is at " + row + ", which is not in the "
                + "project's scripts", 1);
          }
          shown.add(graph.revision(row));
        }
      } else {
        try {
          shown.addAll(AlembicCommands.revisions(graph, revision));
        } catch (AlembicError e) {
          throw new CommandFailure(e.getMessage(), Main.EXIT_USAGE);
        }
      }
      boolean current = revision.equals("current");
      if (local.output == OutputFormat.text) {
        // Alembic's show marks nothing as current, even for `show current`.
        shown.forEach(each -> System.out.println(RevisionLines.show(graph, each.id(), false)));
      } else {
        local.output.printDocument(System.out, Map.of("revisions", shown.stream()
            .map(each -> ProjectRevisions.RevisionView.of(graph, each, current ? true : null))
            .toList()));
      }
      return 0;
    } catch (Exception e) {
      return LocalOptions.failed("show", e, local.output);
    }
  }
}
