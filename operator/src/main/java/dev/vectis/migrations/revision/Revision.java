package dev.vectis.migrations.revision;

import java.util.List;
import java.util.Objects;

/**
 * One Alembic revision script, as its file declares it.
 *
 * @param id the {@code revision} identifier
 * @param downRevisions {@code down_revision}: empty for a base, several for a merge
 * @param branchLabels {@code branch_labels}, in declaration order
 * @param dependsOn {@code depends_on}: revision ids or branch labels
 * @param message the first line of the docstring (Alembic's "doc")
 * @param upgradeEmpty whether {@code upgrade()} holds only {@code pass} or a docstring
 * @param downgradeEmpty whether {@code downgrade()} holds only {@code pass} or a docstring
 */
public record Revision(String id, List<String> downRevisions, List<String> branchLabels,
    List<String> dependsOn, String message, boolean upgradeEmpty, boolean downgradeEmpty) {
  public Revision {
    Objects.requireNonNull(id, "id");
    downRevisions = List.copyOf(downRevisions == null ? List.of() : downRevisions);
    branchLabels = List.copyOf(branchLabels == null ? List.of() : branchLabels);
    dependsOn = List.copyOf(dependsOn == null ? List.of() : dependsOn);
    message = message == null ? "" : message;
  }

  /** A revision with only the fields that shape the graph. */
  public static Revision of(String id, List<String> downRevisions, List<String> branchLabels,
      List<String> dependsOn) {
    return new Revision(id, downRevisions, branchLabels, dependsOn, "", false, false);
  }

  /** A revision in a straight line. */
  public static Revision of(String id, String downRevision) {
    return of(id, downRevision == null ? List.of() : List.of(downRevision), List.of(), List.of());
  }

  /** Whether it merges several branches ({@code down_revision} is a tuple). */
  public boolean isMerge() {
    return downRevisions.size() > 1;
  }
}
