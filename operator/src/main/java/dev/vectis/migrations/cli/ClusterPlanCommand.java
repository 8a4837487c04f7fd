package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.cluster.ClusterResources;
import dev.vectis.migrations.cluster.Tables;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kubectl smig plan NAME}: the plan waiting for approval, or what is pending. */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = {"Shows the plan a SchemaMigration waits with for approval "
        + "(status.pendingPlan: hash, direction, from, to, steps, backup), or, when none "
        + "waits, its current and target revisions and the pending revisions.",
        "Exit 0: shown; 1: not found or the API server cannot be reached; 2: bad input; 4: "
            + "access denied."})
final class ClusterPlanCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "NAME", description = "The SchemaMigration ([NAMESPACE/]NAME).")
  String argument;

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = "text (default), json or yaml.")
  ClusterOutput output;

  @Override
  public Integer call() {
    String command = ClusterOptions.commandName(spec);
    ClusterResources resources = null;
    try {
      resources = cluster.connect();
      ClusterOptions.Target target = cluster.target(argument, "NAME", resources);
      SchemaMigration resource = cluster.existing(target, resources);
      var status = resource.getStatus();
      var plan = status == null ? null : status.pendingPlan;
      if (output.isDocument()) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("namespace", target.namespace());
        document.put("name", target.name());
        document.put("pendingPlan", plan);
        document.put("currentRevision", status == null ? null : status.currentRevision);
        document.put("targetRevision", status == null ? null : status.targetRevision);
        document.put("pending", status == null ? null : status.pending);
        output.printDocument(System.out, document);
      } else {
        System.out.println(plan != null ? "Waiting for approval: `approve " + target
            + " --plan-hash " + plan.planHash + "`\n" + Tables.pendingPlan(plan)
            : Tables.pendingRevisions(resource));
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
