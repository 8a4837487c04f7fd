package dev.vectis.migrations.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** A command line parsed by the jar's own picocli model, without running it (for examples). */
public final class CliParsing {
  private CliParsing() {}

  /**
   * The subcommand's matched options (by their longest name) and positional values (by index,
   * "0", "1", ...); a command line the CLI refuses throws picocli's ParameterException.
   */
  public static Map<String, String> parse(List<String> args) {
    CommandLine.ParseResult result = Main.commandLine(args.get(0))
        .parseArgs(args.toArray(String[]::new));
    CommandLine.ParseResult sub = result.subcommand();
    if (sub == null) {
      throw new IllegalArgumentException(args.get(0) + ": not a command of the jar");
    }
    Map<String, String> values = new LinkedHashMap<>();
    sub.matchedOptions().forEach(option -> values.put(option.longestName(),
        String.valueOf((Object) option.getValue())));
    List<CommandLine.Model.PositionalParamSpec> positionals = sub.matchedPositionals();
    for (int i = 0; i < positionals.size(); i++) {
      values.put(Integer.toString(i), String.valueOf((Object) positionals.get(i).getValue()));
    }
    return values;
  }
}
