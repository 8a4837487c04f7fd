package dev.vectis.migrations.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The kubectl plugin's commands ({@code kubectl smig …}, through the kubectl-smig launcher):
 * the same classes as the top-level wait and approve, with kubectl's flags.
 */
@Command(name = SmigCommand.NAME, mixinStandardHelpOptions = true,
    description = "SchemaMigrations in the cluster, as a kubectl plugin: kubectl smig "
        + "status|plan|approve|history|wait (-n NAMESPACE, -A, -o wide|json|yaml).",
    subcommands = {ClusterStatusCommand.class, ClusterPlanCommand.class, ApproveCommand.class,
        ClusterHistoryCommand.class, WaitCommand.class})
final class SmigCommand implements Runnable {
  static final String NAME = "smig";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
