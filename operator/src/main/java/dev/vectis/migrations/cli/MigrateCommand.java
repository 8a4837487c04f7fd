package dev.vectis.migrations.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "migrate", description = "Migrates a database locally, without Kubernetes. (not implemented yet)")
final class MigrateCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("migrate: not implemented yet");
    return Main.EXIT_USAGE;
  }
}
