package dev.vectis.migrations.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "run", description = "Runs the operator against a Kubernetes cluster. (not implemented yet)")
final class RunCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("run: not implemented yet");
    return Main.EXIT_USAGE;
  }
}
