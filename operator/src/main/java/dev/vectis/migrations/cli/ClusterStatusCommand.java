package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.cluster.ClusterResources;
import dev.vectis.migrations.cluster.Tables;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kubectl smig status}: the SchemaMigrations of the cluster, as kubectl get shows them. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Lists SchemaMigrations as `kubectl get smig` does: NAME, CURRENT, TARGET, "
        + "READY, REASON, AGE (-o wide adds IMAGE, APPLIED, PENDING, MESSAGE).",
        "Exit 0: listed; 1: not found or the API server cannot be reached; 2: bad input; 4: "
            + "access denied."})
final class ClusterStatusCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "NAME", description = "One SchemaMigration (default: "
      + "all of the namespace).")
  String argument;

  @Option(names = {"-A", "--all-namespaces"}, description = "Of every namespace.")
  boolean allNamespaces;

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = "text (default), wide, json or yaml.")
  ClusterOutput output;

  @Override
  public Integer call() {
    String command = ClusterOptions.commandName(spec);
    ClusterResources resources = null;
    try {
      resources = cluster.connect();
      List<SchemaMigration> found = cluster.selected(argument, allNamespaces, resources);
      if (output.isDocument()) {
        Map<String, Object> list = new java.util.LinkedHashMap<>();
        list.put("apiVersion", "v1");
        list.put("kind", "List");
        list.put("items", found);
        output.printDocument(System.out, argument != null ? found.get(0) : list);
      } else if (found.isEmpty()) {
        System.err.println(allNamespaces ? "No resources found"
            : "No resources found in " + cluster.namespace(resources) + " namespace.");
      } else {
        System.out.println(Tables.status(found, allNamespaces, output == ClusterOutput.wide,
            Instant.now()));
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
