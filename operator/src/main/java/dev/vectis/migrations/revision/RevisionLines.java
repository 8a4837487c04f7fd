package dev.vectis.migrations.revision;

import java.util.List;

/**
 * A revision printed as Alembic's {@code Script.cmd_format} and {@code log_entry} print it, so
 * that {@code history}, {@code heads}, {@code current} and {@code show} read as they do with
 * Alembic (byte for byte where the data is the same).
 */
public final class RevisionLines {
  private RevisionLines() {}

  /** {@code alembic history}: {@code parents -> id (labels) (head)..., doc}. */
  public static String history(RevisionGraph graph, String id, boolean current) {
    return headOnly(graph, id, true, true, true, true, current);
  }

  /** {@code alembic heads}: {@code id (labels) (head)}. */
  public static String head(RevisionGraph graph, String id) {
    return headOnly(graph, id, true, false, false, false, false);
  }

  /** {@code alembic current}: {@code id (head)} and the tree indicators. */
  public static String current(RevisionGraph graph, String id) {
    return headOnly(graph, id, false, false, false, true, false);
  }

  /**
   * {@code alembic show}: Alembic's {@code log_entry} without the {@code Path:} line and with
   * the first paragraph of the docstring (what the inspection keeps of a script).
   */
  public static String show(RevisionGraph graph, String id, boolean current) {
    RevisionGraph.Node node = graph.node(id);
    Revision revision = node.revision;
    StringBuilder entry = new StringBuilder("Rev: ").append(id)
        .append(node.nextrev.isEmpty() ? " (head)" : "")
        .append(node.nextrev.size() > 1 ? " (branchpoint)" : "")
        .append(revision.isMerge() ? " (mergepoint)" : "")
        .append(current ? " (current)" : "").append('\n');
    entry.append(revision.isMerge() ? "Merges: " : "Parent: ").append(down(revision))
        .append('\n');
    if (!revision.dependsOn().isEmpty()) {
      entry.append("Also depends on: ").append(comma(revision.dependsOn())).append('\n');
    }
    if (node.nextrev.size() > 1) {
      entry.append("Branches into: ").append(comma(List.copyOf(node.nextrev))).append('\n');
    }
    if (!graph.branchLabelsShown(id).isEmpty()) {
      entry.append("Branch names: ").append(comma(graph.branchLabelsShown(id))).append('\n');
    }
    entry.append('\n');
    revision.message().lines().forEach(line -> entry.append("    ").append(line).append('\n'));
    return entry.toString();
  }

  private static String headOnly(RevisionGraph graph, String id, boolean branches,
      boolean doc, boolean parents, boolean treeIndicators, boolean current) {
    RevisionGraph.Node node = graph.node(id);
    Revision revision = node.revision;
    StringBuilder text = new StringBuilder();
    if (parents) {
      text.append(down(revision));
      if (!revision.dependsOn().isEmpty()) {
        text.append(" (").append(comma(revision.dependsOn())).append(')');
      }
      text.append(" -> ");
    }
    text.append(id);
    if (branches && !graph.branchLabelsShown(id).isEmpty()) {
      text.append(" (").append(comma(graph.branchLabelsShown(id))).append(')');
    }
    text.append(node.allNextrev.isEmpty() ? " (head)" : "")
        .append(node.nextrev.isEmpty() && !node.allNextrev.isEmpty() ? " (effective head)" : "")
        .append(current ? " (current)" : "");
    if (treeIndicators) {
      text.append(node.nextrev.size() > 1 ? " (branchpoint)" : "")
          .append(revision.isMerge() ? " (mergepoint)" : "");
    }
    if (doc) {
      text.append(", ").append(revision.message());
    }
    return text.toString();
  }

  private static String down(Revision revision) {
    return revision.downRevisions().isEmpty() ? "<base>" : comma(revision.downRevisions());
  }

  private static String comma(List<String> items) {
    return String.join(", ", items);
  }
}
