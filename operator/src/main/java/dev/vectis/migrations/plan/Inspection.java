package dev.vectis.migrations.plan;

import dev.vectis.migrations.revision.RevisionGraph;

/** What is known of an image's revision graph. */
public sealed interface Inspection {
  /** Not inspected yet. */
  record Unknown() implements Inspection {}

  record Loaded(RevisionGraph graph) implements Inspection {}

  /** The inspection ran and could not load the scripts. */
  record Failed(String error) implements Inspection {}

  static Inspection unknown() {
    return new Unknown();
  }
}
