package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.revision.RevisionGraph;
import dev.vectis.migrations.revision.RevisionLines;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "heads", mixinStandardHelpOptions = true,
    description = {"Prints the project's head revisions, as `alembic heads` does; needs no "
        + "database.",
        "Exit 0: printed; 1: the scripts cannot be read; 2: bad input."})
final class HeadsCommand implements Callable<Integer> {
  @Mixin LocalOptions local;

  @Override
  public Integer call() {
    try {
      SchemaMigration resource = local.resource();
      RevisionGraph graph = ProjectRevisions.graph(local, resource);
      List<String> heads = graph.realHeads();
      if (local.output == OutputFormat.text) {
        heads.forEach(id -> System.out.println(RevisionLines.head(graph, id)));
      } else {
        local.output.printDocument(System.out, Map.of("heads", heads.stream()
            .map(id -> ProjectRevisions.RevisionView.of(graph, graph.revision(id), null))
            .toList()));
      }
      return 0;
    } catch (Exception e) {
      return LocalOptions.failed("heads", e, local.output);
    }
  }
}
