package dev.vectis.migrations.policy;

import java.util.Locale;

/** What a finding of a rule does: stops the migration, is reported, or is not looked for. */
public enum Severity {
  DENY, WARN, OFF;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code deny}, {@code warn} or {@code off}; anything else is null. */
  public static Severity parse(String text) {
    for (Severity severity : values()) {
      if (severity.id().equals(text)) {
        return severity;
      }
    }
    return null;
  }
}
