package dev.vectis.migrations.jobs;

import dev.vectis.migrations.database.SecretMasker;
import java.util.ArrayList;
import java.util.List;

/** Reads what a failed Alembic run printed: the line a person needs to see. */
public final class MigrationOutput {
  private MigrationOutput() {}

  /**
   * Alembic's {@code FAILED:} line, else the database error (the last line naming a
   * SQLAlchemy or driver exception), else the last lines; masked.
   */
  public static String failureSummary(String output, SecretMasker masker) {
    List<String> lines = output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    List<String> picked = new ArrayList<>();
    for (String line : lines) {
      if (line.startsWith("FAILED:")) {
        picked.add(line);
      }
    }
    for (int i = lines.size() - 1; i >= 0 && picked.isEmpty(); i--) {
      String line = lines.get(i);
      if (line.startsWith("sqlalchemy.exc.") || line.contains("psycopg2.errors.")
          || line.contains("psycopg.errors.") || line.startsWith("psycopg2.")
          || line.matches("^[A-Za-z_.]*(Error|Exception): .*")) {
        picked.add(line);
        if (i + 1 < lines.size() && lines.get(i + 1).startsWith("[SQL:")) {
          picked.add(lines.get(i + 1));
        }
      }
    }
    if (picked.isEmpty()) {
      picked.addAll(lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }
    String summary = String.join(" ", picked);
    if (summary.length() > 1500) {
      summary = summary.substring(0, 1500) + "…";
    }
    return masker.mask(summary);
  }
}
