package dev.vectis.migrations.revision;

import java.util.List;

/**
 * What an {@code alembic upgrade|downgrade} run would do.
 *
 * @param resolvedTarget the revisions the target resolved to (empty for base)
 * @param steps the migrations in the order Alembic runs them
 * @param finalVersionTable the version table rows after the last step
 */
public record MigrationPlan(List<String> resolvedTarget, List<Step> steps,
    List<String> finalVersionTable) {
  public MigrationPlan {
    resolvedTarget = List.copyOf(resolvedTarget);
    steps = List.copyOf(steps);
    finalVersionTable = List.copyOf(finalVersionTable);
  }

  /**
   * One migration.
   *
   * @param revision the revision whose {@code upgrade()} or {@code downgrade()} runs
   * @param upgrade true for {@code upgrade()}
   * @param versionTableAfter the rows once the step has updated the version table
   */
  public record Step(String revision, boolean upgrade, List<String> versionTableAfter) {
    public Step {
      versionTableAfter = List.copyOf(versionTableAfter);
    }

    /** "up" or "down", as the plan output spells it. */
    public String direction() {
      return upgrade ? "up" : "down";
    }
  }
}
