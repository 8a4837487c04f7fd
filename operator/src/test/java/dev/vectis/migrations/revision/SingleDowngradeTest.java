package dev.vectis.migrations.revision;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The downgrade target that undoes exactly the revision just upgraded. */
class SingleDowngradeTest {
  /** a → b, then two branches c1 (labelled) and c2 from b, merged by m. */
  private static final RevisionGraph BRANCHY = new RevisionGraph(List.of(
      Revision.of("a", List.of(), List.of(), List.of()),
      Revision.of("b", List.of("a"), List.of(), List.of()),
      Revision.of("c1", List.of("b"), List.of("feature"), List.of()),
      Revision.of("c2", List.of("b"), List.of(), List.of()),
      Revision.of("m", List.of("c1", "c2"), List.of(), List.of())));

  @Test
  void aLineGoesBackOneStep() {
    RevisionGraph line = new RevisionGraph(List.of(Revision.of("a", (String) null),
        Revision.of("b", "a")));
    assertThat(SingleDowngrade.target(line, List.of("b"), "b", List.of("a"))).contains("b@-1");
    assertThat(SingleDowngrade.target(line, List.of("a"), "a", List.of())).isPresent()
        .hasValueSatisfying(target -> assertThat(AlembicCommands.downgrade(line, List.of("a"),
            target).finalVersionTable()).isEmpty());
  }

  @Test
  void aBranchHeadIsUndoneWithoutTouchingTheOtherBranch() {
    // Upgraded c2 while c1 was there: the rows are both heads; only c2 may go.
    String target = SingleDowngrade.target(BRANCHY, List.of("c1", "c2"), "c2", List.of("c1"))
        .orElseThrow();
    MigrationPlan plan = AlembicCommands.downgrade(BRANCHY, List.of("c1", "c2"), target);
    assertThat(plan.steps()).extracting(MigrationPlan.Step::revision).containsExactly("c2");
    assertThat(plan.finalVersionTable()).containsExactly("c1");
  }

  @Test
  void aMergeIsUndoneBackToBothParents() {
    String target = SingleDowngrade.target(BRANCHY, List.of("m"), "m", List.of("c1", "c2"))
        .orElseThrow();
    MigrationPlan plan = AlembicCommands.downgrade(BRANCHY, List.of("m"), target);
    assertThat(plan.steps()).extracting(MigrationPlan.Step::revision).containsExactly("m");
    assertThat(plan.finalVersionTable()).containsExactlyInAnyOrder("c1", "c2");
  }

  @Test
  void noTargetWhenEveryCandidateUndoesMoreOrOther() {
    // Rows that do not match the revision's position: nothing undoes exactly b to [c1].
    assertThat(SingleDowngrade.target(BRANCHY, List.of("b"), "b", List.of("c1"))).isEmpty();
  }
}
