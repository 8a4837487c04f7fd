package dev.vectis.migrations.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "plan", description = "Plans a migration with Alembic semantics. (not implemented yet)")
final class PlanCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("plan: not implemented yet");
    return Main.EXIT_USAGE;
  }
}
