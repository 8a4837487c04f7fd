package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.PendingPlan;
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

@Command(name = "approve", mixinStandardHelpOptions = true,
    description = {"Approves the plan a SchemaMigration waits with (status.pendingPlan, "
        + "spec.approval): sets the annotation migrations.vectis.dev/approve to its planHash. "
        + "The operator runs the plan only while its hash is still that one: a new image, a "
        + "moved database or an edited spec voids the approval.",
        "Exit 0: approved; 1: nothing waits, the plan changed since --plan-hash, not found or "
            + "the API server cannot be reached; 2: bad input; 4: access denied."})
final class ApproveCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "[NAMESPACE/]NAME", description = "The SchemaMigration.")
  String argument;

  @Option(names = "--plan-hash", paramLabel = "HASH",
      description = "The planHash you reviewed (`plan NAME`): refused if the plan waiting now "
          + "has another one.")
  String planHash;

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = "text (default), json or yaml: what was approved, as a document.")
  ClusterOutput output;

  @Override
  public Integer call() {
    String command = ClusterOptions.commandName(spec);
    ClusterResources resources = null;
    try {
      if (planHash != null && !planHash.matches("[A-Za-z0-9:._-]{1,128}")) {
        throw new CommandFailure("--plan-hash '" + planHash + "': not a plan hash (copy "
            + "status.pendingPlan.planHash, as `plan` prints it)", Main.EXIT_USAGE);
      }
      resources = cluster.connect();
      ClusterOptions.Target target = cluster.target(argument, "[NAMESPACE/]NAME", resources);
      SchemaMigration resource = cluster.existing(target, resources);
      PendingPlan plan = resource.getStatus() == null ? null : resource.getStatus().pendingPlan;
      if (plan == null || plan.planHash == null) {
        var ready = readyReason(resource);
        throw new CommandFailure(target + ": nothing waits for approval (no "
            + "status.pendingPlan" + (ready == null ? "" : "; Ready reason " + ready) + ")",
            ClusterOptions.EXIT_FAILED);
      }
      long generation = resource.getMetadata().getGeneration() == null ? 0
          : resource.getMetadata().getGeneration();
      if (!Long.valueOf(generation).equals(resource.getStatus().observedGeneration)) {
        // The plan hash covers the generation: this plan can never run.
        throw new CommandFailure(target + ": the spec changed (generation " + generation
            + ") since the operator wrote the plan waiting (" + plan.planHash + ", for "
            + "generation " + resource.getStatus().observedGeneration + "); wait for its new "
            + "plan and review it with `plan " + target + "`", ClusterOptions.EXIT_FAILED);
      }
      if (planHash != null && !planHash.equals(plan.planHash)) {
        throw new CommandFailure(target + ": the plan changed since you reviewed it: "
            + "--plan-hash " + planHash + ", the plan waiting now is " + plan.planHash
            + "; review it with `plan " + target + "` and approve that one",
            ClusterOptions.EXIT_FAILED);
      }
      resources.approve(target.namespace(), target.name(), plan.planHash);
      if (output.isDocument()) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("namespace", target.namespace());
        document.put("name", target.name());
        document.put("approved", plan);
        output.printDocument(System.out, document);
      } else {
        System.out.println("Approved " + target + ": " + summary(plan));
        System.out.println(Tables.pendingPlan(plan));
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

  /** "downgrade c9d8 → 5731, 2 steps, backup first, plan hash …" */
  static String summary(PendingPlan plan) {
    int steps = plan.steps == null ? 0 : plan.steps.size();
    return plan.direction + " " + rows(plan.from) + " → " + rows(plan.to) + ", " + steps
        + (steps == 1 ? " step" : " steps") + ", " + (Boolean.TRUE.equals(plan.backup)
        ? "backup first" : "no backup") + ", plan hash " + plan.planHash;
  }

  private static String rows(String rows) {
    return rows == null ? "?" : rows.isEmpty() ? "base" : rows;
  }

  private static String readyReason(SchemaMigration resource) {
    if (resource.getStatus() == null || resource.getStatus().conditions == null) {
      return null;
    }
    return resource.getStatus().conditions.stream().filter(c -> "Ready".equals(c.getType()))
        .map(c -> c.getReason()).findFirst().orElse(null);
  }
}
