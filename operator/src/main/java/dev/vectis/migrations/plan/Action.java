package dev.vectis.migrations.plan;

import dev.vectis.migrations.api.PendingRevision;
import java.util.List;

/** The one thing to do next. Carried out by the operator (as Jobs) or by local mode. */
public sealed interface Action {
  /** Nothing to do now: at target, stalled, or waiting for a Job or the database. */
  record None() implements Action {}

  /** Load the revision graph of an image. */
  record Inspect(String image) implements Action {}

  /** Take a verified backup of the database at {@code rows}. */
  record BackUp(List<String> rows) implements Action {}

  /**
   * Run {@code alembic upgrade|downgrade <alembicTarget>} with {@code image}'s scripts.
   *
   * @param from the rows before
   * @param expectedRows the rows Alembic will leave (verified afterwards)
   * @param steps the revisions that will run, in order
   */
  record Migrate(boolean upgrade, String alembicTarget, String image, List<String> from,
      List<String> expectedRows, List<PendingRevision> steps) implements Action {
    public String direction() {
      return upgrade ? "upgrade" : "downgrade";
    }
  }

  /**
   * Rehearse {@code migrate} on the scratch database (spec.rehearsal): a schema-only copy of
   * production, then the migration, its reverse back to {@code migrate.from()}, and the
   * migration again.
   *
   * @param plan the key recorded once it succeeded (status.lastRehearsal.plan)
   */
  record Rehearse(Migrate migrate, String plan) implements Action {}

  /** Run the seed command at {@code rows}. */
  record Seed(String image, List<String> rows) implements Action {}

  static Action none() {
    return new None();
  }
}
