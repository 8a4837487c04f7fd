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
    System.exit(execute(args));
  }

  static int execute(String... args) {
    return commandLine(args.length > 0 ? args[0] : null).execute(args);
  }

  /**
   * The command line for {@code first}, the first argument: when it names a subcommand, only
   * that one is built (picocli otherwise reflects over every subcommand's options and loads
   * their types, the operator's among them: about 30 ms of a local command); else the whole
   * tree, for help, --version and mistakes. The subcommands are those of the annotation above.
   */
  static CommandLine commandLine(String first) {
    Command main = Main.class.getAnnotation(Command.class);
    for (Class<?> subcommand : main.subcommands()) {
      Command command = subcommand.getAnnotation(Command.class);
      if (first != null && command != null && first.equals(command.name())) {
        CommandLine root = new CommandLine(CommandLine.Model.CommandSpec.wrapWithoutInspection(
            new Main()).name(main.name()));
        root.addSubcommand(command.name(), new CommandLine(newInstance(subcommand)),
            command.aliases());
        return root;
      }
    }
    return new CommandLine(new Main());
  }

  private static Object newInstance(Class<?> type) {
    try {
      var constructor = type.getDeclaredConstructor();
      constructor.setAccessible(true);
      return constructor.newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create " + type.getName(), e);
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
