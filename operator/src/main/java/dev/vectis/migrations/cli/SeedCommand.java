package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.local.Interruption;
import dev.vectis.migrations.local.LocalEngine;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "seed", mixinStandardHelpOptions = true,
    description = {"Runs spec.seed.command alone at the database's current revision, under "
        + "the migration lock, and records it in the status (as after an upgrade).",
        "Exit 0: the seed ran; 1: it failed or the database cannot be read; 2: bad input or "
            + "no seed in the spec; 130: interrupted."})
final class SeedCommand implements Callable<Integer> {
  @Mixin LocalOptions local;

  @Option(names = "--dry-run", description = "Say what would run; change nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    PrintStream progress = local.output.progress();
    Interruption.install(); // from here on, Ctrl-C is reported once (see Interruption)
    try {
      SchemaMigration resource = local.resource();
      try (LocalOptions.Database database = local.database(dryRun)) {
        LocalEngine.Outcome outcome = local.engine(resource, database, dryRun, progress).seed();
        MigrateCommand.print(System.out, outcome.status(), local.output);
        return outcome.exitCode();
      }
    } catch (Exception e) {
      return LocalOptions.failed("seed", e, local.output);
    }
  }
}
