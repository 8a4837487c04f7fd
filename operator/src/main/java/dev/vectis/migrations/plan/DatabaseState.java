package dev.vectis.migrations.plan;

import java.util.List;

/** What the database said when it was observed. */
public sealed interface DatabaseState {
  /** The version table's rows in the order PostgreSQL returned them; empty for base. */
  record Rows(List<String> rows) implements DatabaseState {
    public Rows {
      rows = List.copyOf(rows);
    }
  }

  /** Not reachable or not usable now (a transient state; the message names why). */
  record Unavailable(String message) implements DatabaseState {}
}
