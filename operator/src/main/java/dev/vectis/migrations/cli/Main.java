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
      HeadsCommand.class,
      HistoryCommand.class,
      ShowCommand.class,
      SeedCommand.class,
      LintCommand.class,
      RehearseCommand.class,
      RestoreCommand.class,
      WaitCommand.class,
      ApproveCommand.class,
      SmigCommand.class,
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
    // --debug is taken out before parsing: it is for every command, however it is built.
    boolean debug = java.util.Arrays.asList(args).contains("--debug");
    String[] rest = java.util.Arrays.stream(args).filter(arg -> !arg.equals("--debug"))
        .toArray(String[]::new);
    return commandLine(rest.length > 0 ? rest[0] : null)
        .setParameterExceptionHandler(Main::badArguments)
        .setExecutionExceptionHandler((error, commandLine, parsed) -> unexpected(error,
            commandLine, debug))
        .execute(rest);
  }

  /** A bug, not a user's mistake: one line unless --debug asks for the trace. */
  private static int unexpected(Exception error, CommandLine commandLine, boolean debug) {
    if (debug) {
      error.printStackTrace();
    } else {
      System.err.println(unexpectedLine(commandLine.getCommandName(), error));
    }
    return 1;
  }

  /** The one line of an unexpected error; a URL's password stays out of the terminal. */
  static String unexpectedLine(String command, Exception error) {
    return command + ": unexpected error: "
        + error.toString().replaceAll("(://[^:/@\\s]+:)[^@\\s]+@", "$1***@")
        + " (run again with --debug for the stack trace)";
  }

  /**
   * A flag picocli cannot parse: one line naming the command and where to look, and with
   * {@code -o json|yaml} the same error as a document on stdout, as for any other bad input.
   */
  private static int badArguments(CommandLine.ParameterException error, String[] args) {
    String command = error.getCommandLine().getCommandName();
    String message = error.getMessage() + " (see " + command + " --help)";
    System.err.println(command + ": " + message);
    OutputFormat output = requestedOutput(args);
    if (output == OutputFormat.sarif) {
      output.printDocument(System.out, FindingsOutput.sarif(java.util.List.of(),
          dev.vectis.migrations.policy.Severities.defaults(), message));
    } else if (output != OutputFormat.text) {
      output.printDocument(System.out, java.util.Map.of("error",
          new LocalOptions.ErrorDocument(command, message, EXIT_USAGE)));
    }
    return EXIT_USAGE;
  }

  /** The {@code -o} of a command line picocli refused, if it can be read. */
  static OutputFormat requestedOutput(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String value = null;
      if ((args[i].equals("-o") || args[i].equals("--output")) && i + 1 < args.length) {
        value = args[i + 1];
      } else if (args[i].startsWith("--output=")) {
        value = args[i].substring("--output=".length());
      } else if (args[i].startsWith("-o") && args[i].length() > 2) {
        value = args[i].substring(2).replaceFirst("^=", "");
      }
      if (value != null) {
        try {
          return OutputFormat.valueOf(value);
        } catch (IllegalArgumentException unknown) {
          return OutputFormat.text;
        }
      }
    }
    return OutputFormat.text;
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
            new Main()).name(programName(main.name())));
        root.addSubcommand(command.name(), new CommandLine(newInstance(subcommand)),
            command.aliases());
        return root;
      }
    }
    return new CommandLine(new Main()).setCommandName(programName(main.name()));
  }

  /**
   * How usage messages name the program: kubectl-smig sets "kubectl", so that its help reads
   * {@code kubectl smig status ...}.
   */
  private static String programName(String standard) {
    String name = System.getenv("SCHEMA_MIGRATION_PROGRAM");
    return name == null || name.isBlank() ? standard : name;
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
