package dev.vectis.migrations.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.revision.RevisionGraph;
import dev.vectis.migrations.revision.RevisionLines;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "current", mixinStandardHelpOptions = true,
    description = {"Prints the revisions in the database's version table, as `alembic current` "
        + "does (with `(head)` where a row is a head), without changing anything.",
        "Exit 0: printed; 1: the database cannot be read; 2: bad input."})
final class CurrentCommand implements Callable<Integer> {
  /** The document: {@code current} is there even when empty (the database at base). */
  record Current(@JsonInclude(JsonInclude.Include.ALWAYS) List<String> current) {}

  @Mixin LocalOptions local;

  @Override
  public Integer call() {
    try {
      SchemaMigration resource = local.resource();
      List<String> rows = ProjectRevisions.currentRows(local, resource);
      if (local.output != OutputFormat.text) {
        local.output.printDocument(System.out, new Current(rows));
        return 0;
      }
      if (rows.isEmpty()) {
        return 0; // as Alembic: nothing at all at base
      }
      RevisionGraph graph;
      try {
        graph = ProjectRevisions.graph(local, resource);
      } catch (CommandFailure unreadable) {
        // The rows are the answer; the markers are a courtesy.
        System.err.println("current: warning: " + unreadable.getMessage());
        rows.forEach(System.out::println);
        return 0;
      }
      for (String row : rows) {
        System.out.println(graph.revision(row) == null ? row + " (not in the project's scripts)"
            : RevisionLines.current(graph, row));
      }
      return 0;
    } catch (Exception e) {
      return LocalOptions.failed("current", e, local.output);
    }
  }
}
