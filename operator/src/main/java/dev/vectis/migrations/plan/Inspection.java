package dev.vectis.migrations.plan;

import dev.vectis.migrations.policy.RevisionChanges;
import dev.vectis.migrations.revision.RevisionGraph;
import java.util.Map;

/** What is known of an image's revision graph. */
public sealed interface Inspection {
  /** Not inspected yet. */
  record Unknown() implements Inspection {}

  /**
   * @param changes per revision id, the operations its upgrade() and downgrade() perform, as
   *     the inspection captured them (what the policy lints); empty when none were captured
   */
  record Loaded(RevisionGraph graph, Map<String, RevisionChanges> changes)
      implements Inspection {
    public Loaded {
      changes = changes == null ? Map.of() : Map.copyOf(changes);
    }

    /** A graph without captured operations: each revision is linted as "not captured". */
    public Loaded(RevisionGraph graph) {
      this(graph, Map.of());
    }
  }

  /** The inspection ran and could not load the scripts. */
  record Failed(String error) implements Inspection {}

  static Inspection unknown() {
    return new Unknown();
  }
}
