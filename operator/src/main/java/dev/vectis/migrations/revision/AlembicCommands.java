package dev.vectis.migrations.revision;

import static dev.vectis.migrations.revision.RevisionGraph.BASE;
import static dev.vectis.migrations.revision.RevisionGraph.requireRevision;
import static dev.vectis.migrations.revision.RevisionGraph.truthy;

import dev.vectis.migrations.revision.RevisionError.AlembicCrash;
import dev.vectis.migrations.revision.RevisionError.MultipleHeads;
import dev.vectis.migrations.revision.RevisionError.RangeNotAncestor;
import dev.vectis.migrations.revision.RevisionError.ResolutionError;
import dev.vectis.migrations.revision.RevisionGraph.Node;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * What {@code alembic upgrade <target>} and {@code alembic downgrade <target>} would do to a
 * database whose version table holds {@code rows}: the steps in Alembic's order and the rows
 * after each, or the error Alembic would print. A port of {@code command.upgrade/downgrade},
 * {@code ScriptDirectory._upgrade_revs/_downgrade_revs} and the planning half of
 * {@code RevisionMap}. Pure: no I/O, no clock, no shared state.
 */
public final class AlembicCommands {
  private AlembicCommands() {}

  /** {@code alembic upgrade <target>} from the version table rows (in database row order). */
  public static MigrationPlan upgrade(RevisionGraph graph, List<String> rows, String target) {
    refusalBeforeLoading(rows, target, true).ifPresent(e -> {
      throw e;
    });
    try {
      List<Node> targets = new ArrayList<>();
      for (Node node : parseUpgradeTarget(graph, rows, target)) {
        targets.add(requireRevision(node, "the upgrade target"));
      }
      Set<Node> required = new LinkedHashSet<>(graph.ancestors(targets, true, true));
      required.addAll(targets);
      List<Node> current = graph.getRevisions(rows);
      Set<Node> currentSet = new HashSet<>(graph.ancestors(current, true, true));
      currentSet.addAll(current);
      required.removeAll(currentSet);
      List<String> order = topologicalSort(graph, required, targets);
      List<Node> steps = new ArrayList<>();
      for (int i = order.size() - 1; i >= 0; i--) {
        steps.add(graph.node(order.get(i)));
      }
      return VersionTable.apply(graph, rows, steps, true, ids(targets));
    } catch (RevisionError e) {
      throw translate(e, target, "upgrade");
    }
  }

  /** {@code alembic downgrade <target>} from the version table rows (in database row order). */
  public static MigrationPlan downgrade(RevisionGraph graph, List<String> rows, String target) {
    refusalBeforeLoading(rows, target, false).ifPresent(e -> {
      throw e;
    });
    try {
      DowngradeTarget parsed = parseDowngradeTarget(graph, rows, target);
      Node targetRevision = parsed.revision() == BASE ? null : parsed.revision();
      List<Node> roots = new ArrayList<>();
      if (targetRevision == null) {
        // Alembic scans the map's values, label keys included.
        for (String key : graph.mapKeys()) {
          Node node = graph.mapValue(key);
          if (node.isBase()) {
            roots.add(node);
          }
        }
      } else {
        for (Node node : graph.getRevisions(targetRevision.nextrev)) {
          roots.add(requireRevision(node, "a child of the target"));
        }
      }
      String branchLabel = parsed.branchLabel();
      if (truthy(branchLabel) && roots.size() > 1) {
        Set<String> ancestors = new HashSet<>();
        for (Node node : graph.ancestors(List.of(graph.resolveBranch(branchLabel)),
            false, false)) {
          ancestors.add(node.id);
        }
        Set<String> kept = new LinkedHashSet<>();
        for (Node root : roots) {
          if (ancestors.contains(root.id)) {
            kept.add(root.id);
          }
        }
        roots = graph.getRevisions(kept);
        if (roots.isEmpty()) {
          throw new RevisionError("Not a valid downgrade target from current heads");
        }
      }
      List<Node> heads = graph.getRevisions(rows);
      Set<Node> drop = new LinkedHashSet<>(graph.descendants(roots, true));
      drop.retainAll(new HashSet<>(graph.ancestors(heads, true, false)));
      if (targetRevision != null && drop.isEmpty() && !heads.contains(targetRevision)) {
        throw new RangeNotAncestor();
      }
      List<Node> steps = new ArrayList<>();
      for (String id : topologicalSort(graph, drop, heads)) {
        steps.add(graph.node(id));
      }
      List<String> resolved = targetRevision == null ? List.of() : List.of(targetRevision.id);
      return VersionTable.apply(graph, rows, steps, false, resolved);
    } catch (RevisionError e) {
      throw translate(e, target, "downgrade");
    }
  }

  /**
   * {@code get_revisions(id)} as {@code alembic show} resolves its argument: an id, a unique
   * prefix, {@code head}, {@code heads}, a branch label or {@code label@head}.
   */
  public static List<Revision> revisions(RevisionGraph graph, String id) {
    try {
      List<Revision> revisions = new ArrayList<>();
      for (Node node : graph.getRevisions(id)) {
        revisions.add(requireRevision(node, "the revision").revision);
      }
      return revisions;
    } catch (RevisionError e) {
      throw translate(e, null, "show");
    }
  }

  /**
   * {@code alembic history -r lower:upper}: the revisions {@code walk_revisions} yields, newest
   * first (a port of {@code _collect_upgrade_revisions} with {@code inclusive=True,
   * implicit_base=False}).
   *
   * @param lower the range's start ({@code base} when empty)
   * @param upper the range's end ({@code heads} when empty)
   */
  public static List<Revision> history(RevisionGraph graph, String lower, String upper) {
    String start = lower == null || lower.isEmpty() ? "base" : lower;
    String end = upper == null || upper.isEmpty() ? "heads" : upper;
    try {
      List<Node> targets = new ArrayList<>();
      for (Node node : parseUpgradeTarget(graph, start.equals("base") ? List.of()
          : List.of(start), end, false)) {
        targets.add(requireRevision(node, "the range's end"));
      }
      if (start.contains("@")) {
        // A branch-qualified start keeps only the ends on that branch.
        String branch = start.substring(0, start.indexOf('@'));
        if (graph.revision(branch) != null
            && graph.branchLabelsShown(branch).size() == 1) {
          branch = graph.branchLabelsShown(branch).get(0);
        }
        String label = branch;
        targets.removeIf(node -> !graph.branchLabelsShown(node.id).contains(label));
      }
      Set<Node> required = new LinkedHashSet<>(graph.ancestors(targets, true, true));
      required.addAll(targets);
      List<Node> lowest = graph.getRevisions(start);
      for (Node node : lowest) {
        if (node != null && !required.contains(node)) {
          throw new RangeNotAncestor();
        }
      }
      if (!lowest.isEmpty() && lowest.get(0) == null) {
        // "-N" walked past a base: Alembic parses it again as a downgrade target from the end.
        DowngradeTarget walked = parseDowngradeTarget(graph, List.of(end), start);
        lowest = walked.revision() == BASE ? List.of() : List.of(walked.revision());
      }
      Set<Node> current = new HashSet<>(graph.ancestors(lowest, true, true));
      current.addAll(lowest);
      Set<Node> needs = new LinkedHashSet<>(required);
      needs.removeAll(current);
      needs.addAll(lowest);
      if (!lowest.isEmpty()) {
        needs.retainAll(new HashSet<>(graph.descendants(lowest, false)));
      }
      List<Revision> revisions = new ArrayList<>();
      for (String id : topologicalSort(graph, needs, targets)) {
        revisions.add(graph.revision(id));
      }
      return revisions;
    } catch (RangeNotAncestor e) {
      throw new AlembicError("Requested range " + start + ":" + end + " does not refer to "
          + "ancestor/descendant revisions along the same branch", null);
    } catch (RevisionError e) {
      throw translate(e, end, "history");
    }
  }

  /**
   * The refusals Alembic reaches before it loads any script (it builds its map lazily): a range,
   * and the relative targets that cannot work whatever the graph. When one applies, a broken
   * graph is never reported, as with Alembic.
   */
  public static Optional<AlembicError> refusalBeforeLoading(List<String> rows, String target,
      boolean upgrade) {
    if (target.contains(":")) {
      return Optional.of(new AlembicError("Range revision not allowed", null));
    }
    Matcher match = RevisionGraph.relativeDestination(target);
    if (match == null || match.group(2) != null) {
      return Optional.empty();
    }
    String relativeText = match.group(3);
    BigInteger relative = new BigInteger(relativeText);
    if (upgrade && relative.signum() <= 0) {
      return Optional.of(translate(relativeDidNotProduce(relative.toString(), relative),
          target, "upgrade"));
    }
    if (upgrade && match.group(1) == null && rows.size() > 1) {
      return Optional.of(new AlembicError("Ambiguous upgrade from multiple current revisions",
          null));
    }
    boolean downgradeFails = relative.signum() >= 0 || (match.group(1) == null && rows.isEmpty());
    if (!upgrade && downgradeFails) {
      return Optional.of(translate(relativeDidNotProduce(relativeText, relative), target,
          "downgrade"));
    }
    return Optional.empty();
  }

  /** {@code ScriptDirectory._catch_revision_errors}: the text after {@code FAILED: }. */
  static AlembicError translate(RevisionError error, String destination, String direction) {
    if (error instanceof AlembicCrash crash) {
      return new AlembicError("Alembic cannot plan this; it would stop with a bare "
          + crash.pythonException + ": " + crash.getMessage(), crash.pythonException);
    }
    if (error instanceof RangeNotAncestor) {
      return new AlembicError("Destination " + destination + " is not a valid " + direction
          + " target from current head(s)", null);
    }
    if (error instanceof MultipleHeads multipleHeads) {
      String argument = destination != null ? destination : multipleHeads.argument;
      return new AlembicError("Multiple head revisions are present for given argument '"
          + argument + "'; please specify a specific target revision, '<branchname>@"
          + argument + "' to narrow to a specific head, or 'heads' for all heads", null);
    }
    if (error instanceof ResolutionError resolution) {
      return new AlembicError("Can't locate revision identified by '" + resolution.argument
          + "'", null, resolution.getMessage());
    }
    return new AlembicError(error.getMessage(), null);
  }

  // ------------------------------------------------------------ targets (rev:1081-1300)

  private static List<Node> parseUpgradeTarget(RevisionGraph graph, List<String> rows,
      String target) {
    return parseUpgradeTarget(graph, rows, target, true);
  }

  /** @param assertRelativeLength false: a walk past the end stops there (history's ranges) */
  private static List<Node> parseUpgradeTarget(RevisionGraph graph, List<String> rows,
      String target, boolean assertRelativeLength) {
    Matcher match = RevisionGraph.relativeDestination(target);
    if (match == null) {
      return graph.getRevisions(target);
    }
    String branchLabel = match.group(1);
    String symbol = match.group(2);
    String relativeText = match.group(3);
    BigInteger relative = new BigInteger(relativeText);
    int steps = clampedSteps(relative);
    if (relative.signum() > 0) {
      if (symbol == null) {
        List<Object> startRevisions = new ArrayList<>();
        if (rows.isEmpty()) {
          startRevisions.add(null);
        } else {
          startRevisions.addAll(rows);
        }
        if (truthy(branchLabel)) {
          startRevisions = upgradeStartOnBranch(graph, rows, branchLabel);
        }
        if (startRevisions.size() > 1) {
          throw new RevisionError("Ambiguous upgrade from multiple current revisions");
        }
        Object start = startRevisions.get(0);
        Node startNode = start instanceof String row ? graph.getRevision(row) : (Node) start;
        Node walked = graph.walk(startNode, steps, branchLabel, assertRelativeLength);
        if (walked == null) {
          throw relativeDidNotProduce(relativeText, relative);
        }
        return List.of(walked);
      }
      return singletonAllowingNull(graph.walk(graph.getRevision(symbol), steps, branchLabel,
          assertRelativeLength));
    }
    if (symbol == null) {
      throw relativeDidNotProduce(relative.toString(), relative);
    }
    Node start = branchLabel == null ? graph.getRevision(symbol)
        : graph.getRevision(branchLabel + "@" + symbol);
    return singletonAllowingNull(graph.walk(start, steps, null, assertRelativeLength));
  }

  /** {@code L@+N}: where on branch L the walk up starts (rev:1240-1268). */
  private static List<Object> upgradeStartOnBranch(RevisionGraph graph, List<String> rows,
      String branchLabel) {
    List<Node> current = rows.isEmpty() ? List.of() : graph.getRevisions(rows);
    List<Object> start = new ArrayList<>(graph.filterNodesForLineage(current, branchLabel));
    if (!start.isEmpty()) {
      return start;
    }
    List<Node> active = graph.filterNodesForLineage(graph.ancestors(current, true, false),
        branchLabel);
    Set<String> tips = new LinkedHashSet<>();
    for (Node node : active) {
      tips.add(node.id);
    }
    for (Node node : active) {
      tips.removeAll(node.normalizedDown);
    }
    for (String tip : tips) {
      start.add(tip);
    }
    if (start.isEmpty()) {
      start.add(null);
    }
    return start;
  }

  /** What {@code _parse_downgrade_target} returns: the label and the revision (null = base). */
  private record DowngradeTarget(String branchLabel, Node revision) {}

  private static DowngradeTarget parseDowngradeTarget(RevisionGraph graph, List<String> rows,
      String target) {
    Matcher match = RevisionGraph.relativeDestination(target);
    if (match != null) {
      String branchLabel = match.group(1);
      String symbol = match.group(2);
      String relativeText = match.group(3);
      BigInteger relative = new BigInteger(relativeText);
      int steps = clampedSteps(relative);
      if (relative.signum() >= 0) {
        if (symbol == null) {
          throw relativeDidNotProduce(relativeText, relative);
        }
        Node walked = graph.walk(graph.getRevision(symbol), steps, branchLabel);
        if (walked == null) {
          throw new RevisionError("Walked too far");
        }
        return new DowngradeTarget(branchLabel, walked);
      }
      boolean relativeToCurrent = symbol == null;
      if (relativeToCurrent) {
        if (branchLabel != null && !branchLabel.isEmpty()) {
          List<String> onBranch = graph.filterForLineage(rows, branchLabel);
          if (onBranch.isEmpty()) {
            onBranch = new ArrayList<>();
            for (Node node : graph.filterNodesForLineage(graph.allCurrent(rows), branchLabel)) {
              onBranch.add(node.id);
            }
          }
          if (onBranch.size() != 1) {
            throw new AlembicCrash("AssertionError", "'" + target + "' needs exactly one "
                + "current revision on branch " + branchLabel + ", found " + onBranch.size());
          }
          symbol = onBranch.get(0);
        } else {
          if (rows.isEmpty()) {
            throw relativeDidNotProduce(relativeText, relative);
          }
          // Alembic warns that -N from several heads is ambiguous, then uses the first row.
          symbol = rows.get(0);
          branchLabel = symbol;
        }
      }
      Node start = branchLabel == null ? graph.getRevision(symbol)
          : graph.getRevision(branchLabel + "@" + symbol);
      Node walked = graph.walk(start, steps, null);
      if (walked == null) {
        if (relativeToCurrent) {
          throw relativeDidNotProduce(relativeText, relative);
        }
        throw new RevisionError("Walked too far");
      }
      return new DowngradeTarget(branchLabel, walked);
    }
    int at = target.lastIndexOf('@');
    String branchLabel = at < 0 ? null : target.substring(0, at);
    String symbol = at < 0 ? target : target.substring(at + 1);
    return new DowngradeTarget(truthy(branchLabel) ? branchLabel : null,
        graph.getRevision(symbol));
  }

  /** A walk stops at the end of the graph, so a huge step count walks as far as the largest int. */
  static int clampedSteps(BigInteger relative) {
    BigInteger limit = BigInteger.valueOf(Integer.MAX_VALUE);
    return relative.max(limit.negate()).min(limit).intValue();
  }

  private static RevisionError relativeDidNotProduce(String relative, BigInteger steps) {
    return new RevisionError("Relative revision " + relative + " didn't produce "
        + steps.abs() + " migrations");
  }

  private static List<Node> singletonAllowingNull(Node node) {
    List<Node> list = new ArrayList<>(1);
    list.add(node);
    return list;
  }

  // ------------------------------------------------------------ order (rev:913-1016)

  /**
   * {@code _topological_sort}: the step set newest first. It walks one branch down until it
   * reaches a revision another pending head still needs, then switches branch.
   */
  static List<String> topologicalSort(RevisionGraph graph, Collection<Node> revisions,
      Collection<Node> heads) {
    Set<String> todo = new HashSet<>();
    for (Node node : revisions) {
      todo.add(node.id);
    }
    Set<String> uniqueHeads = new LinkedHashSet<>();
    for (Node head : heads) {
      if (todo.contains(head.id)) {
        uniqueHeads.add(head.id);
      }
    }
    List<String> currentHeads = new ArrayList<>(uniqueHeads);
    currentHeads.sort(Comparator.comparingInt(graph::loadIndex));
    List<BitSet> ancestorsByIndex = new ArrayList<>();
    for (String head : currentHeads) {
      ancestorsByIndex.add(graph.ancestorBits(graph.node(head)));
    }
    List<String> output = new ArrayList<>();
    long budget = 1000L + 4L * (todo.size() + 1) * (currentHeads.size() + todo.size() + 1);
    int candidateIndex = 0;
    while (!currentHeads.isEmpty()) {
      if (--budget < 0) {
        throw new AlembicCrash("AssertionError", "the step order does not converge");
      }
      String candidate = currentHeads.get(candidateIndex);
      int candidateBit = graph.loadIndex(candidate);
      int dependent = -1;
      for (int i = 0; i < ancestorsByIndex.size(); i++) {
        if (i != candidateIndex && ancestorsByIndex.get(i).get(candidateBit)) {
          dependent = i;
          break;
        }
      }
      if (dependent >= 0) {
        candidateIndex = dependent;
        continue;
      }
      if (todo.remove(candidate)) {
        output.add(candidate);
      }
      Node candidateNode = graph.node(candidate);
      List<String> headsToAdd = new ArrayList<>();
      for (String parent : candidateNode.normalizedDown) {
        if (todo.contains(parent) && !currentHeads.contains(parent)) {
          headsToAdd.add(parent);
        }
      }
      if (headsToAdd.isEmpty()) {
        currentHeads.remove(candidateIndex);
        ancestorsByIndex.remove(candidateIndex);
        candidateIndex = Math.max(candidateIndex - 1, 0);
      } else if (candidateNode.normalizedDeps.isEmpty()
          && candidateNode.versionedDown.size() == 1) {
        currentHeads.set(candidateIndex, headsToAdd.get(0));
        ancestorsByIndex.get(candidateIndex).clear(candidateBit);
      } else {
        currentHeads.set(candidateIndex, headsToAdd.get(0));
        ancestorsByIndex.set(candidateIndex, graph.ancestorBits(graph.node(headsToAdd.get(0))));
        for (String extra : headsToAdd.subList(1, headsToAdd.size())) {
          currentHeads.add(extra);
          ancestorsByIndex.add(graph.ancestorBits(graph.node(extra)));
        }
      }
    }
    if (!todo.isEmpty()) {
      throw new AlembicCrash("AssertionError", "revisions left out of the step order: "
          + String.join(", ", todo));
    }
    return output;
  }

  private static List<String> ids(List<Node> nodes) {
    List<String> ids = new ArrayList<>();
    for (Node node : nodes) {
      ids.add(node.id);
    }
    return ids;
  }
}
