package dev.vectis.migrations.revision;

import dev.vectis.migrations.revision.RevisionError.AlembicCrash;
import dev.vectis.migrations.revision.RevisionError.MultipleHeads;
import dev.vectis.migrations.revision.RevisionError.ResolutionError;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Alembic revision graph: a port of Alembic 1.8's {@code RevisionMap}
 * ({@code alembic/script/revision.py}), method for method, so that identifiers resolve, walks
 * go and errors read exactly as in Alembic. Immutable once built; safe to share between threads.
 *
 * <p>The order of the revisions given is Alembic's load order, which breaks ties. Where Alembic
 * iterates a Python {@code set} (label keys in the map, normalised dependencies, merge row
 * choices), this port uses declaration order; the resulting sets of revisions and rows are
 * the same, only the order inside such a set may differ from one Python process to another.
 */
public final class RevisionGraph {
  /** Alembic's {@code _relative_destination}, anchored at the start only ({@code re.match}). */
  static final Pattern RELATIVE_DESTINATION =
      Pattern.compile("(?:(.+?)@)?(\\w+)?((?:\\+|-)\\d+)", Pattern.UNICODE_CHARACTER_CLASS);

  /** The string {@code "base"} that {@code _walk} returns when it steps below a base. */
  static final Node BASE = new Node(Revision.of("base", null), -1);

  private final List<Revision> revisions;
  /** Ids in load order, then branch labels: Alembic's {@code _revision_map} keys. */
  private final LinkedHashMap<String, Node> map = new LinkedHashMap<>();
  private final Map<String, Node> byId = new HashMap<>();
  private final List<String> heads;
  private final List<String> realHeads;
  private final List<String> bases;
  /** By load index: the normalised parents' load indexes, and the depth above the bases. */
  private final int[][] parentIndexes;
  private final int[] depth;
  /** Branch labels as Alembic shows them: declared, plus those inherited along the branch. */
  private final Map<String, Set<String>> shownLabels = new HashMap<>();

  /** A revision with the links Alembic computes when it builds its map. */
  static final class Node {
    final Revision revision;
    final String id;
    final int loadIndex;
    final List<String> versionedDown;
    List<String> resolvedDeps = List.of();
    List<String> normalizedDeps = List.of();
    List<String> allDown = List.of();
    List<String> normalizedDown = List.of();
    final Set<String> nextrev = new LinkedHashSet<>();
    final Set<String> allNextrev = new LinkedHashSet<>();

    Node(Revision revision, int loadIndex) {
      this.revision = revision;
      this.id = revision.id();
      this.loadIndex = loadIndex;
      this.versionedDown = revision.downRevisions();
    }

    /** {@code is_base}: {@code down_revision is None}. */
    boolean isBase() {
      return versionedDown.isEmpty();
    }

    boolean isRealBase() {
      return versionedDown.isEmpty() && revision.dependsOn().isEmpty();
    }

    @Override
    public String toString() {
      return id;
    }
  }

  /**
   * Builds the graph as Alembic builds its map. Raises what Alembic raises then: illegal
   * characters, self-loops, cycles, duplicate branch names, and (as a crash) dangling
   * references.
   */
  public RevisionGraph(List<Revision> revisions) {
    this.revisions = List.copyOf(revisions);
    try {
      LinkedHashSet<Node> headSet = new LinkedHashSet<>();
      LinkedHashSet<Node> realHeadSet = new LinkedHashSet<>();
      List<Node> baseList = new ArrayList<>();
      List<Node> realBaseList = new ArrayList<>();
      List<Node> labelled = new ArrayList<>();
      List<Node> all = new ArrayList<>();
      int index = 0;
      for (Revision revision : this.revisions) {
        validate(revision);
        if (byId.containsKey(revision.id())) {
          throw new RevisionError("Revision " + revision.id() + " is present more than once");
        }
        Node node = new Node(revision, index++);
        all.add(node);
        map.put(node.id, node);
        byId.put(node.id, node);
        if (!revision.branchLabels().isEmpty()) {
          labelled.add(node);
        }
        headSet.add(node);
        realHeadSet.add(node);
        if (node.isBase()) {
          baseList.add(node);
        }
        if (node.isRealBase()) {
          realBaseList.add(node);
        }
      }
      Map<String, Node> idsOnly = new LinkedHashMap<>(map);
      mapBranchLabels(labelled);
      addDependsOn(all);
      // Alembic walks the map's values, labels included: a labelled revision comes twice.
      for (Node node : new ArrayList<>(map.values())) {
        for (String down : node.allDown) {
          Node downNode = lookup(map, down, "down revision " + down + " of " + node.id);
          downNode.allNextrev.add(node.id);
          if (node.versionedDown.contains(downNode.id)) {
            downNode.nextrev.add(node.id);
          }
          if (node.versionedDown.contains(down)) {
            headSet.remove(downNode);
          }
          realHeadSet.remove(downNode);
        }
      }
      normalizeDependsOn(all);
      detectCycles(idsOnly, headSet, baseList, realHeadSet, realBaseList);
      heads = ids(headSet);
      realHeads = ids(realHeadSet);
      bases = ids(baseList);
      parentIndexes = new int[all.size()][];
      for (Node node : all) {
        parentIndexes[node.loadIndex] = node.normalizedDown.stream()
            .mapToInt(id -> byId.get(id).loadIndex).toArray();
      }
      depth = depths(parentIndexes);
      addBranches(labelled);
    } catch (RevisionError e) {
      throw AlembicCommands.translate(e, null, null);
    }
  }

  private static void validate(Revision revision) {
    String id = revision.id();
    if (!revision.downRevisions().isEmpty() && revision.downRevisions().contains(id)) {
      throw new RevisionError("Self-loop is detected in revisions (" + id + ")");
    }
    if (revision.dependsOn().contains(id)) {
      throw new RevisionError("Dependency self-loop is detected in revisions (" + id + ")");
    }
    List<String> illegal = new ArrayList<>();
    for (String character : List.of("+", "-", "@")) {
      if (id.contains(character)) {
        illegal.add(character);
      }
    }
    if (!illegal.isEmpty()) {
      throw new RevisionError("Character(s) '" + String.join(", ", illegal)
          + "' not allowed in revision identifier '" + id + "'");
    }
  }

  private void mapBranchLabels(List<Node> labelled) {
    for (Node node : labelled) {
      for (String label : node.revision.branchLabels()) {
        Node existing = map.get(label);
        if (existing != null) {
          throw new RevisionError("Branch name '" + label + "' in revision " + node.id
              + " already used by revision " + existing.id);
        }
        map.put(label, node);
      }
    }
  }

  /**
   * {@code _add_branches}: a label spreads to the revision's descendants, then down from the
   * last of them until a branch point or a merge (that walk's start is Alembic's, quirk
   * included). Used for display only; resolution uses the declared labels.
   */
  private void addBranches(List<Node> labelled) {
    for (Node revision : labelled) {
      Set<String> labels = Set.copyOf(labelsShown(revision));
      Node last = revision;
      for (Node node : descendants(List.of(revision), false)) {
        labelsShown(node).addAll(labels);
        last = node;
      }
      Node parent = last;
      while (parent != null && parent.allNextrev.size() <= 1 && parent.versionedDown.size() <= 1) {
        labelsShown(parent).addAll(labels);
        parent = parent.versionedDown.isEmpty() ? null : map.get(parent.versionedDown.get(0));
      }
    }
  }

  private Set<String> labelsShown(Node node) {
    return shownLabels.computeIfAbsent(node.id,
        id -> new LinkedHashSet<>(node.revision.branchLabels()));
  }

  private void addDependsOn(List<Node> all) {
    for (Node node : all) {
      List<String> resolved = new ArrayList<>();
      for (String dependency : node.revision.dependsOn()) {
        resolved.add(lookup(map, dependency, "depends_on " + dependency + " of " + node.id).id);
      }
      node.resolvedDeps = List.copyOf(resolved);
      node.allDown = dedupe(node.versionedDown, node.resolvedDeps);
    }
  }

  private void normalizeDependsOn(List<Node> all) {
    for (Node node : all) {
      if (!node.resolvedDeps.isEmpty()) {
        List<String> normalized = new ArrayList<>(new LinkedHashSet<>(node.resolvedDeps));
        for (Node ancestor : iterate(n -> n.versionedDown, List.of(node), map, false)) {
          if (ancestor != node) {
            normalized.removeAll(ancestor.resolvedDeps);
          }
        }
        node.normalizedDeps = List.copyOf(normalized);
      }
      node.normalizedDown = dedupe(node.versionedDown, node.normalizedDeps);
    }
  }

  private void detectCycles(Map<String, Node> idsOnly, Set<Node> headSet, List<Node> baseList,
      Set<Node> realHeadSet, List<Node> realBaseList) {
    if (idsOnly.isEmpty()) {
      return;
    }
    if (headSet.isEmpty() || baseList.isEmpty()) {
      throw cycle("Cycle", new ArrayList<>(idsOnly.keySet()));
    }
    Set<String> space = ids(iterate(n -> n.versionedDown, headSet, idsOnly, false), HashSet::new);
    space.retainAll(ids(iterate(n -> n.nextrev, baseList, idsOnly, false), HashSet::new));
    List<String> deleted = missing(idsOnly.keySet(), space);
    if (!deleted.isEmpty()) {
      throw cycle("Cycle", deleted);
    }
    if (realHeadSet.isEmpty() || realBaseList.isEmpty()) {
      throw cycle("Dependency cycle", new ArrayList<>(idsOnly.keySet()));
    }
    space = ids(iterate(n -> n.allDown, realHeadSet, idsOnly, false), HashSet::new);
    space.retainAll(ids(iterate(n -> n.allNextrev, realBaseList, idsOnly, false), HashSet::new));
    deleted = missing(idsOnly.keySet(), space);
    if (!deleted.isEmpty()) {
      throw cycle("Dependency cycle", deleted);
    }
  }

  /** Longest path down to a base through normalised parents; the graph is acyclic here. */
  private static int[] depths(int[][] parents) {
    int[] depth = new int[parents.length];
    java.util.Arrays.fill(depth, -1);
    int[] stack = new int[parents.length];
    for (int start = 0; start < parents.length; start++) {
      if (depth[start] >= 0) {
        continue;
      }
      int top = 0;
      stack[top++] = start;
      while (top > 0) {
        int node = stack[top - 1];
        boolean ready = true;
        int deepest = -1;
        for (int parent : parents[node]) {
          if (depth[parent] < 0) {
            stack[top++] = parent;
            ready = false;
            break;
          }
          deepest = Math.max(deepest, depth[parent]);
        }
        if (ready) {
          depth[node] = deepest + 1;
          top--;
        }
      }
    }
    return depth;
  }

  private static List<String> missing(Collection<String> all, Set<String> present) {
    List<String> missing = new ArrayList<>();
    for (String id : all) {
      if (!present.contains(id)) {
        missing.add(id);
      }
    }
    Collections.sort(missing);
    return missing;
  }

  private static RevisionError cycle(String kind, List<String> ids) {
    return new RevisionError(kind + " is detected in revisions (" + String.join(", ", ids) + ")");
  }

  // ---------------------------------------------------------------- public view of the graph

  /** The revisions in load order. */
  public List<Revision> revisions() {
    return revisions;
  }

  /** The revision with this exact id, or null. */
  public Revision revision(String id) {
    Node node = byId.get(id);
    return node == null ? null : node.revision;
  }

  /** Heads: revisions no {@code down_revision} points at, in load order. */
  public List<String> heads() {
    return heads;
  }

  /** Real heads: revisions nothing points at, dependencies included; what {@code heads} means. */
  public List<String> realHeads() {
    return realHeads;
  }

  /** The branch labels Alembic shows for a revision: its own and those it inherits. */
  public List<String> branchLabelsShown(String id) {
    Set<String> labels = shownLabels.get(id);
    return labels == null ? node(id).revision.branchLabels() : List.copyOf(labels);
  }

  /** Bases: revisions without {@code down_revision}. */
  public List<String> bases() {
    return bases;
  }

  Node node(String id) {
    Node node = byId.get(id);
    if (node == null) {
      throw new IllegalArgumentException("unknown revision " + id);
    }
    return node;
  }

  /** Alembic's map keys: revision ids in load order, then branch labels. */
  Set<String> mapKeys() {
    return map.keySet();
  }

  Node mapValue(String key) {
    return map.get(key);
  }

  int loadIndex(String id) {
    return node(id).loadIndex;
  }

  // ------------------------------------------------------------- resolution (rev:450-771)

  /** {@code get_current_head(branch_label)}. */
  Node currentHead(String branchLabel) {
    List<String> current = heads;
    if (truthy(branchLabel)) {
      current = filterForLineage(current, branchLabel);
    }
    if (current.size() > 1) {
      throw new MultipleHeads(current, truthy(branchLabel) ? branchLabel + "@head" : "head");
    }
    return current.isEmpty() ? null : node(current.get(0));
  }

  /** Result of {@code _resolve_revision_number}: the ids and the branch label. */
  record Resolved(List<String> ids, String branchLabel) {}

  Resolved resolveRevisionNumber(String id) {
    String branchLabel = null;
    if (id != null && id.contains("@")) {
      int at = id.indexOf('@');
      branchLabel = id.substring(0, at);
      id = id.substring(at + 1);
    }
    if ("heads".equals(id)) {
      if (truthy(branchLabel)) {
        return new Resolved(filterForLineage(heads, branchLabel), branchLabel);
      }
      return new Resolved(realHeads, branchLabel);
    }
    if ("head".equals(id)) {
      Node head = currentHead(branchLabel);
      return new Resolved(head == null ? List.of() : List.of(head.id), branchLabel);
    }
    if (id == null || "base".equals(id)) {
      return new Resolved(List.of(), branchLabel);
    }
    return new Resolved(List.of(id), branchLabel);
  }

  /** {@code get_revisions} for one identifier. */
  List<Node> getRevisions(String id) {
    Resolved resolved = resolveRevisionNumber(id);
    if (resolved.ids().size() == 1 && isNegativePythonInt(resolved.ids().get(0))
        && !resolved.ids().get(0).replaceAll("[-_0\\s]", "").isEmpty()) {
      // "-n" or "branch@-n" reaching get_revisions directly (a history range's start): a walk
      // down from each head (on the branch); an overwalk is null, as Alembic's None.
      int steps = AlembicCommands.clampedSteps(new java.math.BigInteger(
          resolved.ids().get(0).strip().replace("_", "")));
      List<Node> walked = new ArrayList<>();
      for (Node head : getRevisions(realHeads)) {
        if (resolved.branchLabel() == null
            || branchLabelsShown(head.id).contains(resolved.branchLabel())) {
          walked.add(walk(head, steps, null));
        }
      }
      if (walked.isEmpty()) {
        // Alembic goes on with nothing and stops with a traceback later.
        throw new RevisionError("no head is on branch " + resolved.branchLabel());
      }
      return walked;
    }
    List<Node> result = new ArrayList<>();
    for (String revisionId : resolved.ids()) {
      result.add(revisionForIdent(revisionId, resolved.branchLabel()));
    }
    return result;
  }

  /** {@code get_revisions} for several identifiers: the concatenation. */
  List<Node> getRevisions(Collection<String> ids) {
    List<Node> result = new ArrayList<>();
    for (String id : ids) {
      result.addAll(getRevisions(id));
    }
    return result;
  }

  /** {@code get_revision}: one revision or null for base; several raise MultipleHeads. */
  Node getRevision(String id) {
    Resolved resolved = resolveRevisionNumber(id);
    if (resolved.ids().size() > 1) {
      throw new MultipleHeads(resolved.ids(), id);
    }
    return revisionForIdent(resolved.ids().isEmpty() ? null : resolved.ids().get(0),
        resolved.branchLabel());
  }

  /** {@code _resolve_branch}: a label, or failing that any identifier. */
  Node resolveBranch(String branchLabel) {
    Node labelled = map.get(branchLabel);
    if (labelled != null) {
      return labelled;
    }
    try {
      return revisionForIdent(branchLabel, null);
    } catch (ResolutionError e) {
      throw new ResolutionError("No such branch: '" + branchLabel + "'", branchLabel);
    }
  }

  /** {@code _revision_for_ident}; a null id is Alembic's {@code ()}: base, no revision. */
  Node revisionForIdent(String id, String checkBranch) {
    Node branch = truthy(checkBranch) ? resolveBranch(checkBranch) : null;
    if (id == null) {
      return null;
    }
    Node revision = map.get(id);
    if (revision == null) {
      if (id.isEmpty()) {
        throw new AlembicCrash("AssertionError", "an empty revision identifier");
      }
      List<String> candidates = new ArrayList<>();
      for (String key : map.keySet()) {
        if (key.length() > 3 && key.startsWith(id)) {
          candidates.add(key);
        }
      }
      if (branch != null) {
        candidates = filterForLineage(candidates, checkBranch);
      }
      if (candidates.isEmpty()) {
        throw new ResolutionError("No such revision or branch '" + id + "'"
            + (id.length() < 4 ? "; please ensure at least four characters are present for "
                + "partial revision identifier matches" : ""), id);
      }
      if (candidates.size() > 1) {
        List<String> quoted = new ArrayList<>();
        for (String candidate : candidates.subList(0, Math.min(3, candidates.size()))) {
          quoted.add("'" + candidate + "'");
        }
        throw new ResolutionError("Multiple revisions start with '" + id + "': "
            + String.join(", ", quoted) + "...", id);
      }
      revision = map.get(candidates.get(0));
    }
    if (truthy(checkBranch) && !sharesLineage(revision, List.of(branch))) {
      throw new ResolutionError("Revision " + revision.id + " is not a member of branch '"
          + checkBranch + "'", id);
    }
    return revision;
  }

  /** {@code filter_for_lineage(targets, check_against)} for revision ids or map keys. */
  List<String> filterForLineage(List<String> targets, String checkAgainst) {
    LineageReferences references = new LineageReferences(checkAgainst);
    List<String> result = new ArrayList<>();
    for (String target : targets) {
      if (references.sharedBy(requireRevision(revisionForIdent(target, null), target))) {
        result.add(target);
      }
    }
    return result;
  }

  /** {@code filter_for_lineage} for revisions. */
  List<Node> filterNodesForLineage(Collection<Node> targets, String checkAgainst) {
    LineageReferences references = new LineageReferences(checkAgainst);
    List<Node> result = new ArrayList<>();
    for (Node target : targets) {
      if (references.sharedBy(target)) {
        result.add(target);
      }
    }
    return result;
  }

  /**
   * The revisions {@code check_against} names. Like Alembic, they are resolved only once a
   * target is tested, so filtering nothing never fails.
   */
  private final class LineageReferences {
    private final List<String> shares = new ArrayList<>();
    private List<Node> nodes;

    LineageReferences(String checkAgainst) {
      Resolved resolved = resolveRevisionNumber(checkAgainst);
      if (truthy(resolved.branchLabel())) {
        shares.add(resolved.branchLabel());
      }
      shares.addAll(resolved.ids());
    }

    boolean sharedBy(Node target) {
      if (shares.isEmpty()) {
        return true;
      }
      if (nodes == null) {
        nodes = new ArrayList<>();
        for (String share : shares) {
          nodes.add(revisionForIdent(share, null));
        }
      }
      return sharesLineage(target, nodes);
    }
  }

  /** {@code _shares_lineage} over versioned edges; an empty reference list shares with all. */
  private boolean sharesLineage(Node target, List<Node> against) {
    if (against.isEmpty()) {
      return true;
    }
    List<Node> start = List.of(target);
    Set<Node> lineage = new HashSet<>(iterate(n -> n.nextrev, start, map, false));
    lineage.addAll(iterate(n -> n.versionedDown, start, map, false));
    for (Node node : against) {
      if (lineage.contains(node)) {
        return true;
      }
    }
    return false;
  }

  // --------------------------------------------------------------------- traversal

  /** {@code _get_ancestor_nodes}: through normalised parents, or versioned ones only. */
  List<Node> ancestors(Collection<Node> targets, boolean includeDependencies, boolean check) {
    return iterate(includeDependencies ? n -> n.normalizedDown : n -> n.versionedDown, targets,
        map, check);
  }

  /** The revision and all it needs (normalised parents), as a set of load indexes. */
  java.util.BitSet ancestorBits(Node node) {
    java.util.BitSet seen = new java.util.BitSet(parentIndexes.length);
    IntStack stack = new IntStack();
    stack.push(node.loadIndex);
    seen.set(node.loadIndex);
    while (!stack.isEmpty()) {
      for (int parent : parentIndexes[stack.pop()]) {
        if (!seen.get(parent)) {
          seen.set(parent);
          stack.push(parent);
        }
      }
    }
    return seen;
  }

  /**
   * Whether {@code candidate} is one of {@code rows} or an ancestor of one (normalised
   * parents). Revisions no deeper than the candidate cannot lead to it, so they are not walked.
   */
  boolean isAncestorOrSelfOfAny(Node candidate, Collection<Node> rows) {
    int target = candidate.loadIndex;
    int floor = depth[target];
    java.util.BitSet seen = new java.util.BitSet();
    IntStack stack = new IntStack();
    for (Node row : rows) {
      if (!seen.get(row.loadIndex)) {
        seen.set(row.loadIndex);
        stack.push(row.loadIndex);
      }
    }
    while (!stack.isEmpty()) {
      int node = stack.pop();
      if (node == target) {
        return true;
      }
      if (depth[node] <= floor) {
        continue;
      }
      for (int parent : parentIndexes[node]) {
        if (!seen.get(parent)) {
          seen.set(parent);
          stack.push(parent);
        }
      }
    }
    return false;
  }

  /** A growable stack of ints: walks allocate for what they visit, not for the whole graph. */
  private static final class IntStack {
    private int[] items = new int[64];
    private int size;

    void push(int value) {
      if (size == items.length) {
        items = java.util.Arrays.copyOf(items, size * 2);
      }
      items[size++] = value;
    }

    int pop() {
      return items[--size];
    }

    boolean isEmpty() {
      return size == 0;
    }
  }

  /** {@code _get_descendant_nodes}: through all children, or versioned ones only. */
  List<Node> descendants(Collection<Node> targets, boolean includeDependencies) {
    return iterate(includeDependencies ? n -> n.allNextrev : n -> n.nextrev, targets, map,
        false);
  }

  /**
   * {@code _iterate_related_revisions}: depth first from each target, each revision once.
   * With {@code check}, a target reached from another target is the "overlaps" error.
   */
  static List<Node> iterate(Function<Node, Collection<String>> next, Collection<Node> targets,
      Map<String, Node> map, boolean check) {
    Set<Node> seen = new HashSet<>();
    List<Node> out = new ArrayList<>();
    ArrayDeque<Node> todo = new ArrayDeque<>();
    for (Node target : targets) {
      requireRevision(target, "a target");
      todo.addLast(target);
      Set<Node> perTarget = check ? new HashSet<>() : null;
      while (!todo.isEmpty()) {
        Node node = todo.pollLast();
        if (check) {
          perTarget.add(node);
        }
        if (!seen.add(node)) {
          continue;
        }
        for (String id : next.apply(node)) {
          Node nextNode = lookup(map, id, "revision " + id);
          if (!nextNode.id.equals(id)) {
            throw new RevisionError("Dependency resolution failed; broken map");
          }
          todo.addLast(nextNode);
        }
        out.add(node);
      }
      if (check) {
        List<String> overlaps = new ArrayList<>();
        for (Node node : perTarget) {
          if (node != target && targets.contains(node)) {
            overlaps.add(node.id);
          }
        }
        if (!overlaps.isEmpty()) {
          throw new RevisionError("Requested revision " + target.id
              + " overlaps with other requested revisions " + String.join(", ", overlaps));
        }
      }
    }
    return out;
  }

  /**
   * {@code _walk}: {@code steps} up (positive) or down. {@code start} null means base; the
   * result is a revision, {@link #BASE} (stepped below a base) or null (walked too far).
   */
  Node walk(Node start, int steps, String branchLabel) {
    return walk(start, steps, branchLabel, true);
  }

  /** {@code _walk}: with {@code noOverwalk} false, a walk past the end stays where it got. */
  Node walk(Node start, int steps, String branchLabel, boolean noOverwalk) {
    Node initial = start;
    for (int i = 0; i < Math.abs(steps); i++) {
      List<Node> children;
      if (steps > 0) {
        if (initial == BASE) {
          throw new AlembicCrash("AssertionError", "cannot walk up from below base");
        }
        List<Node> walkUp = getRevisions(initial == null ? bases : initial.nextrev);
        for (Node node : walkUp) {
          requireRevision(node, "a walk");
        }
        children = truthy(branchLabel) ? filterNodesForLineage(walkUp, branchLabel) : walkUp;
      } else if (initial == BASE) {
        children = List.of();
      } else {
        children = getRevisions(initial == null ? heads : initial.versionedDown);
        if (children.isEmpty()) {
          children = List.of(BASE);
        }
      }
      if (children.isEmpty()) {
        return noOverwalk ? null : initial;
      }
      if (children.size() > 1) {
        throw new RevisionError("Ambiguous walk");
      }
      initial = children.get(0);
    }
    return initial;
  }

  /** {@code _get_all_current}: the branch tips of the rows and all their ancestors. */
  Set<Node> allCurrent(List<String> rows) {
    Set<Node> top = new LinkedHashSet<>(getRevisions(rows));
    top.addAll(ancestors(new ArrayList<>(top), true, false));
    for (Node node : new ArrayList<>(top)) {
      for (Node descendant : descendants(List.of(node), false)) {
        if (descendant != node && top.contains(descendant)) {
          top.remove(node);
          break;
        }
      }
    }
    return top;
  }

  // --------------------------------------------------------------------- helpers

  static Node requireRevision(Node node, String what) {
    if (node == null || node == BASE) {
      throw new AlembicCrash("AssertionError",
          what + " resolves to " + (node == null ? "nothing" : "base") + " where a revision is "
              + "needed (a relative step past the first or last revision)");
    }
    return node;
  }

  private static Node lookup(Map<String, Node> map, String key, String what) {
    Node node = map.get(key);
    if (node == null) {
      throw new AlembicCrash("KeyError", what + " does not exist");
    }
    return node;
  }

  static boolean truthy(String value) {
    return value != null && !value.isEmpty();
  }

  private static boolean isNegativePythonInt(String value) {
    return value.strip().matches("-\\d+(_\\d+)*");
  }

  static List<String> dedupe(List<String> first, List<String> second) {
    LinkedHashSet<String> all = new LinkedHashSet<>(first);
    all.addAll(second);
    return List.copyOf(all);
  }

  private static List<String> ids(Collection<Node> nodes) {
    List<String> ids = new ArrayList<>(nodes.size());
    for (Node node : nodes) {
      ids.add(node.id);
    }
    return List.copyOf(ids);
  }

  private static <S extends Set<String>> S ids(Collection<Node> nodes,
      java.util.function.Supplier<S> factory) {
    S ids = factory.get();
    for (Node node : nodes) {
      ids.add(node.id);
    }
    return ids;
  }

  static Matcher relativeDestination(String target) {
    Matcher matcher = RELATIVE_DESTINATION.matcher(target);
    return matcher.lookingAt() ? matcher : null;
  }
}
