package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.cluster.ClusterResources;
import dev.vectis.migrations.cluster.Tables;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kubectl smig history NAME}: status.history of SchemaMigrations. The top-level
 * {@code history NAMESPACE/NAME} runs the same code ({@link #print}).
 */
@Command(name = "history", mixinStandardHelpOptions = true,
    description = {"Lists what ran for a SchemaMigration (status.history), newest first: "
        + "completed, action, direction, from, to, image, result, backup, plan hash.",
        "Exit 0: listed; 1: not found or the API server cannot be reached; 2: bad input; 4: "
            + "access denied."})
final class ClusterHistoryCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "NAME", description = "The SchemaMigration "
      + "([NAMESPACE/]NAME); without it, all of the namespace.")
  String argument;

  @Option(names = {"-A", "--all-namespaces"}, description = "Of every namespace.")
  boolean allNamespaces;

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = "text (default), wide (with the Job and the full plan hash), json or yaml.")
  ClusterOutput output;

  @Override
  public Integer call() {
    return print(ClusterOptions.commandName(spec), cluster, argument, allNamespaces, output);
  }

  static int print(String command, ClusterOptions cluster, String argument,
      boolean allNamespaces, ClusterOutput output) {
    ClusterResources resources = null;
    try {
      resources = cluster.connect();
      List<SchemaMigration> found = cluster.selected(argument, allNamespaces, resources);
      if (output.isDocument()) {
        output.printDocument(System.out, Map.of("history", Tables.newestFirst(found).stream()
            .map(run -> Tables.historyDocument(run.getKey(), run.getValue())).toList()));
      } else {
        System.out.println(Tables.history(found, allNamespaces || argument == null && found
            .stream().map(r -> r.getMetadata().getName()).distinct().count() > 1,
            output == ClusterOutput.wide));
      }
      return 0;
    } catch (Exception e) {
      return ClusterOptions.failed(command, e, resources, output.local());
    } finally {
      if (resources != null) {
        resources.close();
      }
    }
  }
}
