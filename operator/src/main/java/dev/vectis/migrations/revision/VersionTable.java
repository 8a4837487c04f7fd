package dev.vectis.migrations.revision;

import dev.vectis.migrations.revision.RevisionError.AlembicCrash;
import dev.vectis.migrations.revision.RevisionGraph.Node;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code alembic_version} rows through a run: a port of Alembic's {@code HeadMaintainer}
 * and {@code RevisionStep} (runtime/migration.py). Rows are kept in the order PostgreSQL
 * returns them from a small table: an INSERT appends, an UPDATE moves the row to the end.
 */
final class VersionTable {
  private final RevisionGraph graph;
  private final List<String> rows;

  private VersionTable(RevisionGraph graph, List<String> rows) {
    this.graph = graph;
    this.rows = new ArrayList<>(new LinkedHashSet<>(rows));
  }

  /** Runs the steps over the rows and returns the plan with the rows after each step. */
  static MigrationPlan apply(RevisionGraph graph, List<String> rows, List<Node> steps,
      boolean upgrade, List<String> resolvedTarget) {
    VersionTable table = new VersionTable(graph, rows);
    List<MigrationPlan.Step> planned = new ArrayList<>();
    for (Node step : steps) {
      if (upgrade) {
        table.upgrade(step);
      } else {
        table.downgrade(step);
      }
      planned.add(new MigrationPlan.Step(step.id, upgrade, table.rows));
    }
    return new MigrationPlan(resolvedTarget, planned, table.rows);
  }

  private void upgrade(Node revision) {
    List<String> parents = revision.normalizedDown;
    if (parents.size() == 1) {
      // The common case, a step along a line: no set to build.
      if (rows.contains(parents.get(0))) {
        update(parents.get(0), revision.id);
      } else {
        insert(revision.id);
      }
      return;
    }
    Set<String> presentParents = intersection(parents);
    if (parents.isEmpty() || presentParents.isEmpty()) {
      insert(revision.id);
    } else if (presentParents.size() > 1) {
      List<String> fromRevisions = withoutAncestorsOfOtherRows(parents, new HashSet<>(parents));
      if (fromRevisions.isEmpty()) {
        throw new AlembicCrash("IndexError", "merge " + revision.id + " finds none of its "
            + "parents among the version table rows it would replace");
      }
      for (String parent : fromRevisions.subList(0, fromRevisions.size() - 1)) {
        delete(parent);
      }
      update(fromRevisions.get(fromRevisions.size() - 1), revision.id);
    } else {
      update(scalarParent(revision, parents), revision.id);
    }
  }

  private void downgrade(Node revision) {
    List<String> parents = revision.normalizedDown;
    boolean isRow = rows.contains(revision.id);
    List<String> targets = isRow && !parents.isEmpty() ? unmergeTargets(revision) : List.of();
    if (isRow && targets.isEmpty()) {
      delete(revision.id);
    } else if (isRow && parents.size() > 1) {
      for (String parent : targets.subList(0, targets.size() - 1)) {
        insert(parent);
      }
      update(revision.id, targets.get(targets.size() - 1));
    } else {
      update(revision.id, scalarParent(revision, parents));
    }
  }

  /** {@code _unmerge_to_revisions}: the parents no other row still implies. */
  private List<String> unmergeTargets(Node revision) {
    return withoutAncestorsOfOtherRows(revision.normalizedDown, Set.of(revision.id));
  }

  /**
   * The candidates minus the ancestors of the rows outside {@code excluded}; all candidates
   * when every row is excluded.
   */
  private List<String> withoutAncestorsOfOtherRows(List<String> candidates, Set<String> excluded) {
    List<String> others = new ArrayList<>();
    for (String row : rows) {
      if (!excluded.contains(row)) {
        others.add(row);
      }
    }
    if (others.isEmpty()) {
      return new ArrayList<>(candidates);
    }
    List<Node> otherNodes = graph.getRevisions(others);
    List<String> result = new ArrayList<>();
    for (String candidate : candidates) {
      if (!graph.isAncestorOrSelfOfAny(graph.node(candidate), otherNodes)) {
        result.add(candidate);
      }
    }
    return result;
  }

  /** {@code update_version_num}: the one parent that is (or becomes) the row. */
  private String scalarParent(Node revision, List<String> parents) {
    if (parents.size() == 1) {
      return parents.get(0);
    }
    Set<String> present = intersection(parents);
    if (present.size() != 1) {
      throw new AlembicCrash("AssertionError",
          "Can't do an UPDATE because downrevision is ambiguous (" + revision.id + ")");
    }
    return present.iterator().next();
  }

  private Set<String> intersection(List<String> revisions) {
    Set<String> present = new LinkedHashSet<>();
    for (String revision : revisions) {
      if (rows.contains(revision)) {
        present.add(revision);
      }
    }
    return present;
  }

  private void insert(String revision) {
    if (rows.contains(revision)) {
      throw new AlembicCrash("AssertionError", "row " + revision + " would be inserted twice");
    }
    rows.add(revision);
  }

  private void delete(String revision) {
    if (!rows.remove(revision)) {
      throw new AlembicCrash("KeyError", "row " + revision + " is not in the version table");
    }
  }

  private void update(String from, String to) {
    if (rows.contains(to)) {
      throw new AlembicCrash("AssertionError", "row " + to + " would exist twice");
    }
    delete(from);
    rows.add(to);
  }
}
