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

  /** Not reachable now (a transient state, retried; the message names why). */
  record Unavailable(String message) implements DatabaseState {}

  /**
   * Reachable but unusable until a person acts (wrong password, no such database, no
   * permission, a version table that is not Alembic's): Stalled with {@code reason}.
   */
  record Unusable(Reason reason, String message) implements DatabaseState {}
}
