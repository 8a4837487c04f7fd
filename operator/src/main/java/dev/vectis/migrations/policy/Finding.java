package dev.vectis.migrations.policy;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One thing a check found.
 *
 * @param file the revision file, relative to the project; null for the history as a whole
 * @param line the line of the operation in that file; null when no line can be named
 * @param waived the reason a waiver comment in the revision gives; null when not waived
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Finding(String rule, String severity, String revision, String file, Integer line,
    String message, String waived) {

  static Finding of(Rule rule, Severity severity, String revision, String file, Integer line,
      String message) {
    return new Finding(rule.id(), severity.id(), revision, file, line, message, null);
  }

  /** Whether it stops the migration (deny and not waived). */
  public boolean blocks() {
    return Severity.DENY.id().equals(severity) && waived == null;
  }

  Finding waivedBecause(String reason) {
    return new Finding(rule, severity, revision, file, line, message, reason);
  }

  /** Where it is, as people write it: {@code file:line}, the file, or the revision. */
  public String location() {
    if (file == null) {
      return revision == null ? "history" : revision;
    }
    return line == null ? file : file + ":" + line;
  }
}
