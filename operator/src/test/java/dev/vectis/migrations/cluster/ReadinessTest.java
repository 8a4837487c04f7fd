package dev.vectis.migrations.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.plan.Inspection;
import dev.vectis.migrations.revision.Revision;
import dev.vectis.migrations.revision.RevisionGraph;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** What wait decides from a resource alone. */
class ReadinessTest {
  static final Function<String, Inspection> NO_GRAPHS = image -> Inspection.unknown();

  static SchemaMigration resource(long generation, String image, Long observed, String ready,
      String reason, boolean stalled) {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName("app").withNamespace("shop")
        .withGeneration(generation).build());
    resource.setSpec(new SchemaMigrationSpec());
    resource.getSpec().image = image;
    if (observed != null) {
      SchemaMigrationStatus status = new SchemaMigrationStatus();
      status.observedGeneration = observed;
      status.currentRevision = "b";
      status.appliedImage = image;
      status.conditions = new ArrayList<>(List.of(
          new ConditionBuilder().withType("Ready").withStatus(ready).withReason(reason)
              .withMessage("m").withObservedGeneration(observed).build(),
          new ConditionBuilder().withType("Stalled").withStatus(stalled ? "True" : "False")
              .withReason(reason).withMessage("m").withObservedGeneration(observed).build()));
      resource.setStatus(status);
    }
    return resource;
  }

  @Test
  void readyCountsOnlyForTheCurrentGeneration() {
    assertThat(Readiness.of(resource(2, "i:1", 1L, "True", "AtTarget", false), null, NO_GRAPHS)
        .reason()).isEqualTo(Readiness.NOT_OBSERVED);
    assertThat(Readiness.of(resource(2, "i:1", 2L, "True", "AtTarget", false), null, NO_GRAPHS)
        .state()).isEqualTo(Readiness.State.READY);
    assertThat(Readiness.of(resource(1, "i:1", null, null, null, false), null, NO_GRAPHS)
        .reason()).isEqualTo(Readiness.NOT_OBSERVED);
    assertThat(Readiness.of(null, null, NO_GRAPHS).reason()).isEqualTo(Readiness.NOT_FOUND);
  }

  @Test
  void stalledCountsOnlyForTheCurrentGeneration() {
    assertThat(Readiness.of(resource(3, "i:1", 3L, "False", "MultipleHeads", true), null,
        NO_GRAPHS)).isEqualTo(new Readiness.Verdict(Readiness.State.STALLED, "MultipleHeads",
        "m"));
    assertThat(Readiness.of(resource(4, "i:1", 3L, "False", "MultipleHeads", true), null,
        NO_GRAPHS).state()).isEqualTo(Readiness.State.WAITING);
  }

  @Test
  void awaitingApprovalAndReconcilingAreWaited() {
    assertThat(Readiness.of(resource(1, "i:1", 1L, "False", "AwaitingApproval", false), null,
        NO_GRAPHS)).isEqualTo(new Readiness.Verdict(Readiness.State.WAITING,
        "AwaitingApproval", "m"));
  }

  @Test
  void anotherImageIsReadyWhenItsHeadsAreAtOrBelowTheRows() {
    RevisionGraph newer = new RevisionGraph(List.of(Revision.of("a", null), Revision.of("b",
        "a"), Revision.of("c", "b")));
    RevisionGraph older = new RevisionGraph(List.of(Revision.of("a", null)));
    RevisionGraph current = new RevisionGraph(List.of(Revision.of("a", null), Revision.of("b",
        "a")));
    Map<String, Inspection> graphs = Map.of("i:new", new Inspection.Loaded(newer), "i:old",
        new Inspection.Loaded(older), "i:1", new Inspection.Loaded(current));
    SchemaMigration atB = resource(1, "i:1", 1L, "True", "AtTarget", false);

    assertThat(Readiness.of(atB, "i:1", NO_GRAPHS).state()).as("the spec's image")
        .isEqualTo(Readiness.State.READY);
    assertThat(Readiness.of(atB, "i:new", graphs::get).reason())
        .isEqualTo(Readiness.IMAGE_NOT_APPLIED);
    assertThat(Readiness.of(atB, "i:old", graphs::get).state()).as("a is below b, in i:1's "
        + "graph (i:old's does not know b)").isEqualTo(Readiness.State.READY);
    assertThat(Readiness.of(atB, "i:other", image -> graphs.getOrDefault(image, Inspection.unknown())).reason())
        .isEqualTo(Readiness.IMAGE_NOT_INSPECTED);
  }

  /**
   * After a rollback the operator downgrades with the applied image's scripts and
   * status.appliedImage stays that image (StatusWriter.migrated): the newer image's pods must
   * not pass, its head is no longer in the database.
   */
  @Test
  void theAppliedImageOfARollbackDowngradeIsNotReadyBelowItsHeads() {
    RevisionGraph newer = new RevisionGraph(List.of(Revision.of("a", null), Revision.of("b",
        "a"), Revision.of("c", "b")));
    RevisionGraph older = new RevisionGraph(List.of(Revision.of("a", null), Revision.of("b",
        "a")));
    Map<String, Inspection> graphs = Map.of("i:new", new Inspection.Loaded(newer), "i:old",
        new Inspection.Loaded(older));
    // spec.image back to i:old, downgrade allowed: i:new's scripts undid c; Ready at b.
    SchemaMigration rolledBack = resource(2, "i:old", 2L, "True", "AtTarget", false);
    rolledBack.getStatus().appliedImage = "i:new";
    rolledBack.getStatus().lastMigration = new dev.vectis.migrations.api.MigrationRecord();
    rolledBack.getStatus().lastMigration.from = "c";
    rolledBack.getStatus().lastMigration.to = "b";
    rolledBack.getStatus().lastMigration.direction = "downgrade";
    rolledBack.getStatus().lastMigration.image = "i:new";

    Readiness.Verdict verdict = Readiness.of(rolledBack, "i:new", graphs::get);

    assertThat(verdict.state()).as("the database is at b, without i:new's head c: %s",
        verdict.message()).isEqualTo(Readiness.State.WAITING);
    assertThat(verdict.reason()).isEqualTo(Readiness.IMAGE_NOT_APPLIED);
  }

  /** Branches, merges and depends_on: every head of the image must be at or below a row. */
  @Test
  void everyHeadOfTheImageMustBeInTheRowsThroughBranchesMergesAndDependencies() {
    RevisionGraph twoHeads = new RevisionGraph(List.of(Revision.of("a", null),
        Revision.of("b", "a"), Revision.of("c", "a")));
    RevisionGraph merged = new RevisionGraph(List.of(Revision.of("a", null),
        Revision.of("b", "a"), Revision.of("c", "a"), Revision.of("m", List.of("b", "c"),
            List.of(), List.of())));
    RevisionGraph sibling = new RevisionGraph(List.of(Revision.of("a", null),
        Revision.of("x", "a")));
    RevisionGraph dependent = new RevisionGraph(List.of(Revision.of("a1", null),
        Revision.of("b1", null), Revision.of("b2", List.of("b1"), List.of(), List.of("a1"))));
    Map<String, Inspection> graphs = Map.of("i:two", new Inspection.Loaded(twoHeads),
        "i:merged", new Inspection.Loaded(merged), "i:sibling", new Inspection.Loaded(sibling),
        "i:dep", new Inspection.Loaded(dependent));

    SchemaMigration atB = resource(1, "i:merged", 1L, "True", "AtTarget", false);
    assertThat(Readiness.of(atB, "i:two", graphs::get).reason()).as("c is not in")
        .isEqualTo(Readiness.IMAGE_NOT_APPLIED);
    assertThat(Readiness.of(atB, "i:sibling", graphs::get).reason()).as("x is not in")
        .isEqualTo(Readiness.IMAGE_NOT_APPLIED);
    SchemaMigration atMerge = resource(1, "i:merged", 1L, "True", "AtTarget", false);
    atMerge.getStatus().currentRevision = "m";
    assertThat(Readiness.of(atMerge, "i:two", graphs::get).state()).as("m merges b and c")
        .isEqualTo(Readiness.State.READY);
    assertThat(Readiness.of(atMerge, "i:sibling", graphs::get).state())
        .isEqualTo(Readiness.State.WAITING);
    SchemaMigration atBoth = resource(1, "i:merged", 1L, "True", "AtTarget", false);
    atBoth.getStatus().currentRevision = "b,c";
    assertThat(Readiness.of(atBoth, "i:two", graphs::get).state())
        .isEqualTo(Readiness.State.READY);

    SchemaMigration atB2 = resource(1, "i:dep", 1L, "True", "AtTarget", false);
    atB2.getStatus().appliedImage = "i:dep-built-elsewhere";
    atB2.getSpec().image = "i:dep-built-elsewhere";
    atB2.getStatus().currentRevision = "b2";
    assertThat(Readiness.of(atB2, "i:dep", graphs::get).state()).as("b2 needs a1")
        .isEqualTo(Readiness.State.READY);
    atB2.getStatus().currentRevision = "a1";
    assertThat(Readiness.of(atB2, "i:dep", graphs::get).reason())
        .isEqualTo(Readiness.IMAGE_NOT_APPLIED);
  }

  /** Conditions without observedGeneration count for status.observedGeneration only. */
  @Test
  void conditionsWithoutTheirGenerationTakeTheStatussAndNoneIsNotObserved() {
    SchemaMigration resource = resource(2, "i:1", 2L, "True", "AtTarget", false);
    resource.getStatus().conditions.forEach(c -> c.setObservedGeneration(null));
    assertThat(Readiness.of(resource, null, NO_GRAPHS).state())
        .isEqualTo(Readiness.State.READY);
    resource.getStatus().observedGeneration = 1L;
    assertThat(Readiness.of(resource, null, NO_GRAPHS).reason())
        .isEqualTo(Readiness.NOT_OBSERVED);
    resource.getStatus().observedGeneration = null;
    assertThat(Readiness.of(resource, null, NO_GRAPHS).reason())
        .isEqualTo(Readiness.NOT_OBSERVED);
    // A Stalled of generation 1 beside a Ready of 2 (the spec was fixed): Ready.
    SchemaMigration fixed = resource(2, "i:1", 2L, "True", "AtTarget", false);
    fixed.getStatus().conditions.get(1).setStatus("True");
    fixed.getStatus().conditions.get(1).setObservedGeneration(1L);
    assertThat(Readiness.of(fixed, null, NO_GRAPHS).state()).isEqualTo(Readiness.State.READY);
  }
}
