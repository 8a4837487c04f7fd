package dev.vectis.migrations.plan;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads what a rehearsal Job printed (already masked): the step that failed. */
final class RehearsalOutput {
  private static final Pattern FAILED_STEP = Pattern.compile(
      "^rehearsal: step (\\d+/\\d+) \\(alembic (.*)\\) failed");
  private static final Pattern STARTED = Pattern.compile("^rehearsal: (step \\d+/\\d+|copying)");

  private RehearsalOutput() {}

  /** "step 2/3 (alembic downgrade base)", "copying production's schema", or null. */
  static String failedStep(String output) {
    String last = null;
    for (String line : output.lines().map(String::strip).toList()) {
      Matcher failed = FAILED_STEP.matcher(line);
      if (failed.find()) {
        return "step " + failed.group(1) + " (alembic " + failed.group(2) + ")";
      }
      Matcher started = STARTED.matcher(line);
      if (started.find()) {
        last = started.group(1);
      }
    }
    return "copying".equals(last) ? "copying production's schema into the scratch database"
        : null;
  }
}
