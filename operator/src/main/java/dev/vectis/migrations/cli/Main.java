package dev.vectis.migrations.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the jar: one subcommand per way of running the engine. */
@Command(
    name = "schema-migration-operator",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Runs Alembic migrations against PostgreSQL declaratively.",
    subcommands = {
      RunCommand.class,
      PlanCommand.class,
      MigrateCommand.class,
      StatusCommand.class,
      CurrentCommand.class,
      RestoreCommand.class,
      VersionCommand.class
    })
public final class Main implements Runnable {
  /** Exit code for a usage or input error (picocli's default as well). */
  public static final int EXIT_USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    dev.vectis.migrations.local.Interruption.ownProcess();
    System.exit(execute(args));
  }

  static int execute(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
