package dev.vectis.migrations.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "status", description = "Shows a database's migration status locally, without Kubernetes. (not implemented yet)")
final class StatusCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("status: not implemented yet");
    return Main.EXIT_USAGE;
  }
}
