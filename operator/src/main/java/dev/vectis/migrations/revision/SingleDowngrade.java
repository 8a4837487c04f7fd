package dev.vectis.migrations.revision;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * The {@code alembic downgrade} target that undoes exactly one revision: the one just
 * upgraded, and nothing else. With branches and merges "-1" can mean another branch's head,
 * or several steps; so each candidate is planned with {@link AlembicCommands#downgrade} (which
 * matches Alembic) and the first whose plan is exactly that one step, leaving the version table
 * as it was before the upgrade, is taken. Pure.
 */
public final class SingleDowngrade {
  private SingleDowngrade() {}

  /**
   * @param rows the version table now, after {@code revision}'s upgrade
   * @param revision the revision to undo
   * @param rowsBefore the version table before its upgrade (what the downgrade must leave)
   * @return the target to pass to {@code alembic downgrade}, or empty when no target does it
   */
  public static Optional<String> target(RevisionGraph graph, List<String> rows, String revision,
      List<String> rowsBefore) {
    for (String candidate : candidates(graph, revision)) {
      try {
        MigrationPlan plan = AlembicCommands.downgrade(graph, rows, candidate);
        if (plan.steps().size() == 1 && plan.steps().get(0).revision().equals(revision)
            && !plan.steps().get(0).upgrade()
            && new HashSet<>(plan.finalVersionTable()).equals(new HashSet<>(rowsBefore))) {
          return Optional.of(candidate);
        }
      } catch (AlembicError refused) {
        // not a target Alembic accepts here: try the next one
      }
    }
    return Optional.empty();
  }

  /** {@code rev@-1}, {@code rev-1}, each parent, then base (for a revision with none). */
  private static List<String> candidates(RevisionGraph graph, String revision) {
    List<String> candidates = new ArrayList<>(List.of(revision + "@-1", revision + "-1"));
    List<String> parents = graph.revision(revision).downRevisions();
    candidates.addAll(parents);
    if (parents.isEmpty()) {
      candidates.add(revision + "@base");
      candidates.add("base");
    }
    return candidates;
  }
}
