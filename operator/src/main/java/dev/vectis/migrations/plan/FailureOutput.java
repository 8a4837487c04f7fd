package dev.vectis.migrations.plan;

import java.util.ArrayList;
import java.util.List;

/** Reads what a failed Alembic run or seed printed (already masked): what a person needs. */
public final class FailureOutput {
  private static final int MAX_SQL = 400;
  private static final int MAX_SUMMARY = 1500;

  private FailureOutput() {}

  /**
   * Alembic's {@code FAILED:} line; else the database error (the last line naming a SQLAlchemy
   * or driver exception) with its DETAIL, HINT and the statement, shortened; else the last
   * lines.
   */
  public static String summary(String output) {
    List<String> lines = output.lines().map(String::strip).toList();
    List<String> picked = new ArrayList<>();
    for (String line : lines) {
      if (line.startsWith("FAILED:")) {
        picked.add(line);
      }
    }
    for (int i = lines.size() - 1; i >= 0 && picked.isEmpty(); i--) {
      if (isError(lines.get(i))) {
        picked.add(lines.get(i));
        picked.addAll(explanation(lines, i + 1));
      }
    }
    if (picked.isEmpty()) {
      List<String> nonEmpty = lines.stream().filter(l -> !l.isEmpty()).toList();
      picked.addAll(nonEmpty.subList(Math.max(0, nonEmpty.size() - 3), nonEmpty.size()));
    }
    String summary = String.join(" ", picked);
    return summary.length() > MAX_SUMMARY ? summary.substring(0, MAX_SUMMARY) + "…" : summary;
  }

  private static boolean isError(String line) {
    return line.startsWith("sqlalchemy.exc.") || line.contains("psycopg2.errors.")
        || line.contains("psycopg.errors.") || line.startsWith("psycopg2.")
        || line.matches("^[A-Za-z_.]*(Error|Exception): .*");
  }

  /** The lines after the error that explain it: DETAIL, HINT and the [SQL: ...] block. */
  private static List<String> explanation(List<String> lines, int from) {
    List<String> picked = new ArrayList<>();
    for (int i = from; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith("DETAIL:") || line.startsWith("HINT:")) {
        picked.add(line.replaceAll("\\s+", " "));
      } else if (line.startsWith("[SQL:")) {
        // SQLAlchemy writes "[SQL: <statement>]"; a statement may span lines.
        StringBuilder sql = new StringBuilder(line);
        while (!closesStatement(lines, i) && i + 1 < lines.size()) {
          sql.append(' ').append(lines.get(++i));
        }
        String statement = sql.toString().strip();
        picked.add(shortened(statement.endsWith("]")
            ? statement.substring(0, statement.length() - 1) : statement) + "]");
      } else if (line.startsWith("(Background") || line.startsWith("[parameters:")
          || isError(line)) {
        break;
      }
    }
    return picked;
  }

  private static boolean closesStatement(List<String> lines, int i) {
    if (!lines.get(i).endsWith("]")) {
      return false;
    }
    String next = i + 1 < lines.size() ? lines.get(i + 1) : "";
    return next.isEmpty() || next.startsWith("[parameters:") || next.startsWith("(Background");
  }

  private static String shortened(String sql) {
    String oneLine = sql.replaceAll("\\s+", " ");
    return oneLine.length() > MAX_SQL ? oneLine.substring(0, MAX_SQL) + "…" : oneLine;
  }
}
