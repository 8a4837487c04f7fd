package dev.vectis.migrations.local;

import java.io.PrintStream;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Colour for progress lines, only where a person reads them: stdout or stderr is a terminal
 * (the JVM has a console), {@code NO_COLOR} is unset or empty (no-color.org) and
 * {@code TERM} is not {@code dumb}. Headlines bold; Ready green; Stalled, failures and
 * interrupts red.
 */
final class TerminalStyle {
  private static final String BOLD = "\u001b[1m";
  private static final String GREEN = "\u001b[32m";
  private static final String RED = "\u001b[31m";
  private static final String RESET = "\u001b[0m";

  private TerminalStyle() {}

  static UnaryOperator<String> of(PrintStream out) {
    return enabled(out, System.getenv()) ? TerminalStyle::colour : UnaryOperator.identity();
  }

  static boolean enabled(PrintStream out, Map<String, String> env) {
    String noColor = env.get("NO_COLOR");
    return (out == System.out || out == System.err) && System.console() != null
        && (noColor == null || noColor.isEmpty()) && !"dumb".equals(env.get("TERM"));
  }

  static String colour(String line) {
    if (line.startsWith("==> Ready")) {
      return GREEN + BOLD + line + RESET;
    }
    if (line.startsWith("==> Stalled") || line.startsWith("==> Not ready")
        || line.startsWith("==> Interrupted") || line.startsWith("==> the seed failed")) {
      return RED + BOLD + line + RESET;
    }
    return line.startsWith("==> ") ? BOLD + line + RESET : line;
  }
}
