package dev.vectis.migrations.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.api.ApprovalRequired;
import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.PendingPlan;
import dev.vectis.migrations.api.Phase;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.api.SecretRef;
import dev.vectis.migrations.api.SeedWhen;
import dev.vectis.migrations.plan.Decision.State;
import dev.vectis.migrations.revision.Revision;
import dev.vectis.migrations.revision.RevisionGraph;
import dev.vectis.migrations.api.RehearsalRecord;
import dev.vectis.migrations.api.RehearsalSpec;
import dev.vectis.migrations.api.RuleSeverity;
import dev.vectis.migrations.policy.RevisionChanges;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The decision table: one observation in, one action and one status out. */
class DeciderTest {
  private static final String IMAGE = "registry.example/vectis/backend:1.14.0";
  private static final String OLD_IMAGE = "registry.example/vectis/backend:1.13.0";
  private static final String NOW = "2026-11-26T07:00:00Z";
  private static final long GENERATION = 3;

  /** The sample project's graph, as the inspection reports it. */
  private static final RevisionGraph VECTIS = new RevisionGraph(List.of(
      revision("0f5e1c2d3a4b", List.of(), List.of(), "initial_schema", false),
      revision("a3e2f1b8c9d4", List.of("0f5e1c2d3a4b"), List.of(), "add_loyalty_points_table",
          false),
      revision("b7c4e9a1d2f3", List.of("0f5e1c2d3a4b"), List.of("audit"), "add_audit_log",
          false),
      new Revision("c9d8e7f6a5b4", List.of("a3e2f1b8c9d4", "b7c4e9a1d2f3"), List.of(),
          List.of(), "merge_branches", true, true),
      revision("5731d674e022", List.of("c9d8e7f6a5b4"), List.of(), "multi_currency", false)));
  /** An older image: without multi_currency. */
  private static final RevisionGraph VECTIS_OLD = new RevisionGraph(
      VECTIS.revisions().subList(0, 4));
  /** Two heads: no merge revision. */
  private static final RevisionGraph TWO_HEADS = new RevisionGraph(
      VECTIS.revisions().subList(0, 3));
  /** multi_currency's downgrade() is empty. */
  private static final RevisionGraph IRREVERSIBLE = new RevisionGraph(List.of(
      VECTIS.revisions().get(0), VECTIS.revisions().get(1), VECTIS.revisions().get(2),
      VECTIS.revisions().get(3), revision("5731d674e022", List.of("c9d8e7f6a5b4"), List.of(),
          "multi_currency", true)));

  private static final String HEAD = "5731d674e022";
  private static final String MERGE = "c9d8e7f6a5b4";

  private static Revision revision(String id, List<String> down, List<String> labels,
      String message, boolean downgradeEmpty) {
    return new Revision(id, down, labels, List.of(), message, false, downgradeEmpty);
  }

  /** A fresh observation builder: spec image inspected, database at base. */
  private static final class Given {
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    SchemaMigrationStatus status = new SchemaMigrationStatus();
    String runningJob;
    Inspection specImage = captured(VECTIS, Map.of());
    Inspection appliedImage = Inspection.unknown();
    DatabaseState database = new DatabaseState.Rows(List.of());
    DatabaseState scratch;
    Map<String, Inspection> cachedImages;
    java.util.Set<String> existingTables;
    String approved;
    String approvalScope = "localhost-5432-vectis-0123456789ab";
    long generation = GENERATION;

    Given() {
      spec.image = IMAGE;
      spec.database = new DatabaseSpec();
      spec.database.secretRef = new SecretRef();
      spec.database.secretRef.name = "vectis-db-app";
    }

    Given with(Consumer<Given> change) {
      change.accept(this);
      return this;
    }

    Given rows(String... rows) {
      database = new DatabaseState.Rows(List.of(rows));
      return this;
    }

    Given target(String target) {
      spec.targetRevision = target;
      return this;
    }

    Observation observation() {
      return new Observation(generation, spec, status, runningJob, specImage, appliedImage,
          database, scratch, approved, approvalScope, cachedImages, existingTables);
    }

    Decision decide() {
      return Decider.decide(observation());
    }
  }

  // ------------------------------------------------------------------ approvals

  @Test
  void aDowngradeNeedingApprovalWaitsWithItsPlanAndRunsOnlyWhenThatPlanIsApproved() {
    Consumer<Given> downgrade = g -> {
      g.spec.downgrade.allow = true;
      g.spec.approval.required = ApprovalRequired.Downgrade;
      g.rows(HEAD).target(MERGE);
    };
    Decision waiting = new Given().with(downgrade).decide();
    assertThat(waiting.state()).isEqualTo(State.AWAITING_APPROVAL);
    assertThat(waiting.reason()).isEqualTo(Reason.AwaitingApproval);
    assertThat(waiting.phase()).isEqualTo(Phase.AwaitingApproval);
    assertThat(waiting.action()).isInstanceOf(Action.None.class);
    PendingPlan plan = waiting.approval().plan();
    assertThat(plan.direction).isEqualTo("downgrade");
    assertThat(plan.from).isEqualTo(HEAD);
    assertThat(plan.to).isEqualTo(MERGE);
    assertThat(plan.backup).isTrue();
    assertThat(plan.steps).extracting(step -> step.revision).containsExactly(HEAD);
    assertThat(plan.planHash).matches("[0-9a-f]{16}");
    assertThat(waiting.message()).contains("waits for approval", plan.planHash,
        "migrations.vectis.dev/approve=" + plan.planHash, "after a verified backup");

    // An approval of another plan is void, and said so.
    Decision stale = new Given().with(downgrade).with(g -> g.approved = "0123456789abcdef")
        .decide();
    assertThat(stale.state()).isEqualTo(State.AWAITING_APPROVAL);
    assertThat(stale.message()).contains("0123456789abcdef", "is for another plan");

    // Approved: the backup first (part of the approved plan), then the downgrade itself.
    Decision backup = new Given().with(downgrade).with(g -> g.approved = plan.planHash)
        .decide();
    assertThat(backup.action()).isInstanceOf(Action.BackUp.class);
    assertThat(backup.approval().approved()).isTrue();
    Decision migrate = new Given().with(downgrade).with(g -> g.approved = plan.planHash)
        .with(g -> StatusWriter.backedUp(g.status, "pvc:dump", 1, "00", List.of(HEAD),
            GENERATION, NOW)).decide();
    assertThat(migrate.action()).isInstanceOf(Action.Migrate.class);
    assertThat(migrate.approval().planHash()).isEqualTo(plan.planHash);

    // Upgrades do not wait under Downgrade.
    Decision upgrade = new Given().with(g -> g.spec.approval.required =
        ApprovalRequired.Downgrade).decide();
    assertThat(upgrade.action()).isInstanceOf(Action.Migrate.class);
    assertThat(upgrade.approval()).isNull();
  }

  @Test
  void everythingThatDecidesWhatRunsChangesThePlanHash() {
    Consumer<Given> any = g -> g.spec.approval.required = ApprovalRequired.Any;
    String base = new Given().with(any).decide().approval().planHash();
    assertThat(new Given().with(any).decide().approval().planHash()).isEqualTo(base);
    List<Consumer<Given>> changes = List.of(
        g -> g.spec.image = IMAGE + "-2",
        g -> g.rows("0f5e1c2d3a4b"),
        g -> g.target(MERGE),
        g -> g.spec.database.secretRef.name = "other-db",
        g -> g.approvalScope = "db2.internal-5432-vectis-ba9876543210",
        g -> g.spec.alembic.versionTable = "other_version",
        g -> g.spec.podTemplate.serviceAccountName = "migrator",
        g -> g.spec.retryToken = "again",
        g -> {
          g.status.lastMigration = new dev.vectis.migrations.api.MigrationRecord();
          g.status.lastMigration.job = "vectis-migrate-1";
          g.status.lastMigration.completedAt = "2026-12-01T00:00:00Z";
        });
    for (Consumer<Given> change : changes) {
      Decision changed = new Given().with(any).with(change).decide();
      assertThat(changed.approval().planHash()).isNotEqualTo(base);
    }
    // What does not decide what runs leaves it alone.
    assertThat(new Given().with(any).with(g -> g.spec.history.limit = 3).decide().approval()
        .planHash()).isEqualTo(base);
    // A plan waits under Any whatever its direction, and runs once approved.
    assertThat(new Given().with(any).with(g -> g.approved = base).decide().action())
        .isInstanceOf(Action.Migrate.class);
  }

  @Test
  void aDenyFindingOrARefusalIsNotOfferedForApproval() {
    Decision refused = new Given().with(g -> {
      g.spec.approval.required = ApprovalRequired.Any;
      g.rows(HEAD).target(MERGE);
    }).decide();
    assertThat(refused.reason()).isEqualTo(Reason.DowngradeNotAllowed);
    assertThat(refused.approval()).isNull();
  }

  // ------------------------------------------------------------------ approvals: attacks

  /**
   * One step of the operator's loop, as the reconciler does it: the decision is written to
   * the status, its action started and finished with {@code result}, the database then at
   * {@code after}.
   */
  private static Decision step(Given given, ActionResult result, String now, String... after) {
    Decision decision = given.decide();
    StatusWriter.apply(given.status, decision, given.generation,
        ((DatabaseState.Rows) given.database).rows(), now);
    if (decision.action() instanceof Action.None) {
      return decision;
    }
    StatusWriter.started(given.status, "job-" + now, decision.action(), decision.approval(),
        now);
    ActionResult ran = decision.action() instanceof Action.BackUp && result.succeeded()
        ? new ActionResult(ActionResult.Ending.EXITED, 0, "",
            new ActionResult.Backup("pvc:dump-" + now, 1, "00"))
        : result;
    given.rows(after);
    Outcomes.finished(given.status, ran, given.database, given.generation, now, null);
    return decision;
  }

  private static Consumer<Given> approvedDowngrade() {
    return g -> {
      g.spec.downgrade.allow = true;
      g.spec.approval.required = ApprovalRequired.Downgrade;
      g.rows(HEAD).target(MERGE);
    };
  }

  @Test
  void aFailedApprovedDowngradeIsNotRetriedUnderTheSameApprovalAfterAnUnrelatedEdit() {
    Given given = new Given().with(approvedDowngrade());
    String hash = given.decide().approval().planHash();
    given.approved = hash;
    assertThat(step(given, ActionResult.exited(0, ""), "2026-12-01T08:00:00Z", HEAD).action())
        .isInstanceOf(Action.BackUp.class);
    assertThat(step(given, ActionResult.exited(1, "FAILED: boom"), "2026-12-01T08:01:00Z",
        HEAD).action()).isInstanceOf(Action.Migrate.class);
    assertThat(given.decide().reason()).isEqualTo(Reason.MigrationFailed);

    // A person edits something that is not part of the plan (a new generation, no retryToken):
    // the plan that failed must not run again under the approval it spent.
    given.generation = GENERATION + 1;
    given.spec.history.limit = 20;
    Decision after = given.decide();
    assertThat(after.action()).as(after.message()).isInstanceOf(Action.None.class);
    assertThat(after.state()).isEqualTo(State.AWAITING_APPROVAL);
    assertThat(after.approval().planHash()).isNotEqualTo(hash);
    // The retry, approved anew, runs (backed up again: a new generation).
    given.approved = after.approval().planHash();
    assertThat(given.decide().action()).isInstanceOf(Action.BackUp.class);
  }

  @Test
  void aLostApprovedDowngradeIsNotRunAgainUnderTheSameApprovalAfterAnUnrelatedEdit() {
    Given given = new Given().with(approvedDowngrade());
    given.approved = given.decide().approval().planHash();
    step(given, ActionResult.exited(0, ""), "2026-12-01T08:00:00Z", HEAD);
    step(given, new ActionResult(ActionResult.Ending.LOST, -1, "", null),
        "2026-12-01T08:01:00Z", HEAD);
    assertThat(given.decide().reason()).isEqualTo(Reason.JobLost);

    given.generation = GENERATION + 1;
    given.spec.approval.required = ApprovalRequired.Any;
    Decision after = given.decide();
    assertThat(after.action()).as("it may have run: " + after.message())
        .isInstanceOf(Action.None.class);
  }

  @Test
  void aDowngradeRunAgainAfterTheDatabaseMovedBackNeedsANewApprovalAndANewBackup() {
    Given given = new Given().with(approvedDowngrade());
    String hash = given.decide().approval().planHash();
    given.approved = hash;
    step(given, ActionResult.exited(0, ""), "2026-12-01T08:00:00Z", HEAD);
    assertThat(step(given, ActionResult.exited(0, ""), "2026-12-01T08:01:00Z", MERGE).action())
        .isInstanceOf(Action.Migrate.class);
    assertThat(given.decide().state()).isEqualTo(State.READY);

    // Someone upgrades the database again (same generation), and writes data at HEAD.
    given.rows(HEAD);
    Decision again = given.decide();
    assertThat(again.state()).as("a plan that ran spent its approval")
        .isEqualTo(State.AWAITING_APPROVAL);
    assertThat(again.approval().planHash()).isNotEqualTo(hash);
    assertThat(again.approval().plan().backup).isTrue();

    // Approved anew: the backup of 08:00 predates the downgrade of 08:01 and everything written
    // since; the plan says "after a verified backup", so a new one is taken first.
    given.approved = again.approval().planHash();
    assertThat(given.decide().action()).isInstanceOf(Action.BackUp.class);
  }

  @Test
  void theHashStaysThroughAResyncTheApprovedBackupAndARelativeTarget() {
    Given given = new Given().with(approvedDowngrade()).target("-1");
    Decision first = given.decide();
    String hash = first.approval().planHash();
    StatusWriter.apply(given.status, first, given.generation, List.of(HEAD), NOW);
    // A no-op reconcile, and one after an unrelated status write, say the same.
    assertThat(given.decide().approval().planHash()).isEqualTo(hash);
    assertThat(given.status.pendingPlan.planHash).isEqualTo(hash);

    given.approved = hash;
    assertThat(step(given, ActionResult.exited(0, ""), "2026-12-01T08:00:00Z", HEAD).action())
        .isInstanceOf(Action.BackUp.class);
    Decision downgrade = given.decide();
    assertThat(downgrade.action()).as(downgrade.message()).isInstanceOf(Action.Migrate.class);
    assertThat(downgrade.approval().planHash()).isEqualTo(hash);
    assertThat(((Action.Migrate) downgrade.action()).alembicTarget()).isEqualTo(MERGE);
    step(given, ActionResult.exited(0, ""), "2026-12-01T08:01:00Z", MERGE);
    assertThat(given.decide().state()).isEqualTo(State.READY);
    // "-1" is not applied again under the same approval.
    assertThat(given.decide().action()).isInstanceOf(Action.None.class);
  }

  @Test
  void theSameSpecWrittenInAnotherOrderHasTheSameHash() {
    Consumer<Given> any = g -> g.spec.approval.required = ApprovalRequired.Any;
    Map<String, String> ab = new java.util.LinkedHashMap<>();
    ab.put("a", "1");
    ab.put("b", "2");
    Map<String, String> ba = new java.util.LinkedHashMap<>();
    ba.put("b", "2");
    ba.put("a", "1");
    String one = new Given().with(any).with(g -> {
      g.spec.podTemplate.labels = ab;
      g.spec.podTemplate.nodeSelector = ba;
    }).decide().approval().planHash();
    String other = new Given().with(any).with(g -> {
      g.spec.podTemplate.labels = ba;
      g.spec.podTemplate.nodeSelector = ab;
    }).decide().approval().planHash();
    assertThat(other).isEqualTo(one);
    // Parsed from YAML with keys in another order.
    com.fasterxml.jackson.databind.ObjectMapper yaml = new com.fasterxml.jackson.databind
        .ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    try {
      SchemaMigrationSpec x = yaml.readValue("image: i\ndatabase: {secretRef: {name: d}, "
          + "port: 5432}\npodTemplate: {labels: {a: '1', b: '2'}, serviceAccountName: s}\n"
          + "approval: {required: Any}\n", SchemaMigrationSpec.class);
      SchemaMigrationSpec y = yaml.readValue("podTemplate: {serviceAccountName: s, labels: "
          + "{b: '2', a: '1'}}\napproval: {required: Any}\ndatabase: {port: 5432, secretRef: "
          + "{name: d}}\nimage: i\n", SchemaMigrationSpec.class);
      String hx = new Given().with(g -> g.spec = x).decide().approval().planHash();
      String hy = new Given().with(g -> g.spec = y).decide().approval().planHash();
      assertThat(hy).isEqualTo(hx);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aRollbackWithTheAppliedImageIsBoundToThatImage() {
    Consumer<Given> rollback = g -> {
      g.rows(HEAD);
      g.specImage = new Inspection.Loaded(VECTIS_OLD);
      g.spec.image = OLD_IMAGE;
      g.spec.downgrade.allow = true;
      g.spec.approval.required = ApprovalRequired.Downgrade;
      g.status.appliedImage = IMAGE;
      g.appliedImage = new Inspection.Loaded(VECTIS);
    };
    Decision waiting = new Given().with(rollback).decide();
    assertThat(waiting.state()).isEqualTo(State.AWAITING_APPROVAL);
    assertThat(waiting.approval().plan().image).isEqualTo(IMAGE);
    String hash = waiting.approval().planHash();
    // Another image migrated it last (same graph): another plan.
    Decision other = new Given().with(rollback).with(g -> {
      g.status.appliedImage = IMAGE + "-hotfix";
      g.approved = hash;
    }).decide();
    assertThat(other.state()).isEqualTo(State.AWAITING_APPROVAL);
    assertThat(new Given().with(rollback).with(g -> g.approved = hash).decide().action())
        .isInstanceOf(Action.BackUp.class);
  }

  @Test
  void aRehearsalStillRunsFirstWhenTheApprovalIsAlreadyThere() {
    Given given = rehearsed(new Given().rows(MERGE))
        .with(g -> g.spec.approval.required = ApprovalRequired.Any);
    // The hash a person could compute or copy before the rehearsal ran.
    Given bare = new Given().rows(MERGE).with(g -> g.spec.approval.required =
        ApprovalRequired.Any);
    String hash = bare.decide().approval().planHash();
    given.approved = hash;
    Decision first = given.decide();
    assertThat(first.action()).isInstanceOf(Action.Rehearse.class);
    StatusWriter.started(given.status, "job-r", first.action(), NOW);
    Outcomes.finished(given.status, ActionResult.exited(0, "rehearsal: succeeded"),
        given.database, GENERATION, NOW);
    Decision then = given.decide();
    assertThat(then.action()).isInstanceOf(Action.Migrate.class);
    assertThat(then.approval().planHash()).isEqualTo(hash);
  }

  @Test
  void anUpgradeToHeadsWaitsWithBothBranchesAndRunsWhenApproved() {
    Given given = new Given().rows("a3e2f1b8c9d4").target("heads").with(g -> {
      g.specImage = captured(TWO_HEADS, Map.of());
      g.spec.approval.required = ApprovalRequired.Any;
    });
    Decision waiting = given.decide();
    assertThat(waiting.state()).isEqualTo(State.AWAITING_APPROVAL);
    assertThat(Decider.split(waiting.approval().plan().to))
        .containsExactlyInAnyOrder("a3e2f1b8c9d4", "b7c4e9a1d2f3");
    given.approved = waiting.approval().planHash();
    assertThat(given.decide().action()).isInstanceOfSatisfying(Action.Migrate.class,
        migrate -> assertThat(migrate.alembicTarget()).isEqualTo("heads"));
  }

  @Test
  void anInvalidSpecStallsWithTheFieldPath() {
    Decision decision = new Given().target("; rm -rf /").decide();
    assertThat(decision.state()).isEqualTo(State.STALLED);
    assertThat(decision.reason()).isEqualTo(Reason.InvalidSpec);
    assertThat(decision.message()).startsWith("spec.targetRevision: \"; rm -rf /\" is not an "
        + "Alembic target");
    assertThat(decision.action()).isInstanceOf(Action.None.class);
  }

  @Test
  void aRunningJobIsWaitedFor() {
    Decision decision = new Given().with(g -> g.runningJob = "migrate").decide();
    assertThat(decision.state()).isEqualTo(State.RECONCILING);
    assertThat(decision.reason()).isEqualTo(Reason.Migrating);
    assertThat(decision.action()).isInstanceOf(Action.None.class);
  }

  @Test
  void anUnavailableDatabaseIsWaitedFor() {
    Decision decision = new Given().with(g -> g.database =
        new DatabaseState.Unavailable("Secret vectis-db-app not found")).decide();
    assertThat(decision.state()).isEqualTo(State.RECONCILING);
    assertThat(decision.reason()).isEqualTo(Reason.WaitingForDatabase);
    assertThat(decision.message()).isEqualTo("Secret vectis-db-app not found");
  }

  @Test
  void anImageIsInspectedFirstAndAFailedInspectionStalls() {
    Decision inspect = new Given().with(g -> g.specImage = Inspection.unknown()).decide();
    assertThat(inspect.action()).isEqualTo(new Action.Inspect(IMAGE));
    assertThat(inspect.phase()).isEqualTo(Phase.Inspecting);

    Decision failed = new Given().with(g -> g.specImage =
        new Inspection.Failed("KeyError: revision x is referenced but does not exist")).decide();
    assertThat(failed.state()).isEqualTo(State.STALLED);
    assertThat(failed.reason()).isEqualTo(Reason.InspectionFailed);
    assertThat(failed.message()).contains(IMAGE, "revision x is referenced");
  }

  @Test
  void aFreshDatabaseIsUpgradedToHead() {
    Decision decision = new Given().decide();
    Action.Migrate migrate = (Action.Migrate) decision.action();
    assertThat(migrate.upgrade()).isTrue();
    assertThat(migrate.alembicTarget()).isEqualTo("head");
    assertThat(migrate.image()).isEqualTo(IMAGE);
    assertThat(migrate.expectedRows()).containsExactly(HEAD);
    assertThat(migrate.steps()).extracting(p -> p.revision).containsExactly("0f5e1c2d3a4b",
        "b7c4e9a1d2f3", "a3e2f1b8c9d4", MERGE, HEAD);
    assertThat(decision.pending()).hasSize(5);
    assertThat(decision.resolvedTarget()).isEqualTo(HEAD);
    assertThat(decision.heads()).containsExactly(HEAD);
  }

  @Test
  void atTargetIsReady() {
    Decision decision = new Given().rows(HEAD).decide();
    assertThat(decision.state()).isEqualTo(State.READY);
    assertThat(decision.action()).isInstanceOf(Action.None.class);
    assertThat(decision.message()).isEqualTo("the database is at " + HEAD);
  }

  @Test
  void theSeedRunsOnceAfterTheUpgradeThatReachedTheTarget() {
    Given given = new Given().rows(HEAD).with(g -> g.spec.seed.command =
        List.of("python", "-m", "vectis.core.seed"));
    assertThat(given.decide().state()).as("no migration of ours: nothing to seed for")
        .isEqualTo(State.READY);

    migrated(given, "0f5e1c2d3a4b", HEAD, "upgrade");
    Decision seed = given.decide();
    assertThat(seed.action()).isEqualTo(new Action.Seed(IMAGE, List.of(HEAD)));
    assertThat(seed.phase()).isEqualTo(Phase.Seeding);

    StatusWriter.seeded(given.status, List.of(HEAD), "2026-11-26T07:05:00Z");
    assertThat(given.decide().state()).isEqualTo(State.READY);
  }

  @Test
  void seedWhenNeverAndAfterUpgradeSkipDowngrades() {
    Given after = new Given().rows(MERGE).target(MERGE).with(g -> g.spec.seed.command =
        List.of("seed"));
    migrated(after, HEAD, MERGE, "downgrade");
    assertThat(after.decide().state()).isEqualTo(State.READY);

    after.spec.seed.when = SeedWhen.Always;
    assertThat(after.decide().action()).isInstanceOf(Action.Seed.class);

    after.spec.seed.when = SeedWhen.Never;
    migrated(after, "0f5e1c2d3a4b", MERGE, "upgrade");
    assertThat(after.decide().state()).isEqualTo(State.READY);
  }

  @Test
  void aTargetBehindTheDatabaseIsRefusedUnlessAllowed() {
    Decision decision = new Given().rows(HEAD).target("a3e2f1b8c9d4").decide();
    assertThat(decision.state()).isEqualTo(State.STALLED);
    assertThat(decision.reason()).isEqualTo(Reason.DowngradeNotAllowed);
    assertThat(decision.phase()).isEqualTo(Phase.Blocked);
    assertThat(decision.message()).isEqualTo("target a3e2f1b8c9d4 is behind the database (at "
        + HEAD + "); reaching it would undo 5731d674e022 (multi_currency), c9d8e7f6a5b4 "
        + "(merge_branches). Set spec.downgrade.allow: true to allow it, or change "
        + "spec.targetRevision");
    assertThat(decision.action()).isInstanceOf(Action.None.class);
  }

  @Test
  void anAllowedDowngradeIsBackedUpFirst() {
    Given given = new Given().rows(HEAD).target("a3e2f1b8c9d4")
        .with(g -> g.spec.downgrade.allow = true);
    Decision backup = given.decide();
    assertThat(backup.action()).isEqualTo(new Action.BackUp(List.of(HEAD)));
    assertThat(backup.reason()).isEqualTo(Reason.BackingUp);

    StatusWriter.backedUp(given.status, "vectis-backend-backups:shop/x.dump", 100, "ab",
        List.of(HEAD), GENERATION - 1, NOW);
    assertThat(given.decide().action()).as("a backup of an earlier generation is not enough")
        .isInstanceOf(Action.BackUp.class);

    StatusWriter.backedUp(given.status, "vectis-backend-backups:shop/y.dump", 100, "cd",
        List.of(HEAD), GENERATION, NOW);
    Action.Migrate migrate = (Action.Migrate) given.decide().action();
    assertThat(migrate.upgrade()).isFalse();
    assertThat(migrate.alembicTarget()).isEqualTo("a3e2f1b8c9d4");
    assertThat(migrate.expectedRows()).containsExactlyInAnyOrder("a3e2f1b8c9d4", "b7c4e9a1d2f3");
  }

  @Test
  void backupsCanBeSwitchedOff() {
    Decision decision = new Given().rows(HEAD).target("base").with(g -> {
      g.spec.downgrade.allow = true;
      g.spec.backup.beforeDowngrade = false;
    }).decide();
    assertThat(((Action.Migrate) decision.action()).alembicTarget()).isEqualTo("base");
  }

  @Test
  void aDowngradeThroughAnEmptyDowngradeIsRefused() {
    Decision decision = new Given().rows(HEAD).target(MERGE).with(g -> {
      g.specImage = new Inspection.Loaded(IRREVERSIBLE);
      g.spec.downgrade.allow = true;
    }).decide();
    assertThat(decision.reason()).isEqualTo(Reason.MissingDowngrade);
    assertThat(decision.message()).startsWith("cannot downgrade: the downgrade() of "
        + "5731d674e022 (multi_currency) is empty");

    Decision throughTheMerge = new Given().rows(MERGE).target("a3e2f1b8c9d4").with(g -> {
      g.specImage = new Inspection.Loaded(IRREVERSIBLE);
      g.spec.downgrade.allow = true;
    }).decide();
    assertThat(throughTheMerge.action()).as("a merge, empty both ways, passes")
        .isInstanceOf(Action.BackUp.class);
  }

  @Test
  void multipleHeadsStallWithAdviceAndHeadsWorks() {
    Decision decision = new Given().with(g -> g.specImage = captured(TWO_HEADS, Map.of()))
        .decide();
    assertThat(decision.reason()).isEqualTo(Reason.MultipleHeads);
    assertThat(decision.message()).contains("several heads (a3e2f1b8c9d4, b7c4e9a1d2f3)",
        "alembic merge heads -m \"merge_branches\"", "heads or <label>@head");

    // Targeting both heads says the branches are meant: the policy's multiple-heads rule,
    // which denies them in `lint`, is the target's business here.
    Decision heads = new Given().target("heads")
        .with(g -> g.specImage = captured(TWO_HEADS, Map.of())).decide();
    assertThat(((Action.Migrate) heads.action()).expectedRows())
        .containsExactlyInAnyOrder("a3e2f1b8c9d4", "b7c4e9a1d2f3");
    assertThat(heads.resolvedTarget()).isEqualTo("a3e2f1b8c9d4,b7c4e9a1d2f3");
  }

  @Test
  void unknownAndAmbiguousTargets() {
    Decision unknown = new Given().target("deadbeef0000").decide();
    assertThat(unknown.reason()).isEqualTo(Reason.UnknownRevision);
    assertThat(unknown.message()).contains("No such revision or branch 'deadbeef0000'");

    Decision relative = new Given().rows(HEAD).target("+2").decide();
    assertThat(relative.reason()).isEqualTo(Reason.InvalidSpec);
    assertThat(relative.message()).isEqualTo("spec.targetRevision: Alembic refuses it: "
        + "Relative revision +2 didn't produce 2 migrations");
  }

  @Test
  void anAmbiguousWalkSaysWhatToGiveInstead() {
    Decision up = new Given().rows("0f5e1c2d3a4b").target("+1").decide();
    assertThat(up.reason()).isEqualTo(Reason.AmbiguousRevision);
    assertThat(up.message()).contains("meets a branch point", "say which branch: ",
        "a3e2f1b8c9d4", "b7c4e9a1d2f3 or audit@+1");

    Decision down = new Given().rows(HEAD).target("audit@-2").decide();
    assertThat(down.reason()).isEqualTo(Reason.AmbiguousRevision);
    assertThat(down.message()).as("the parents of the merge reached, not a label form")
        .endsWith("meets a merge point, where Alembic cannot choose (Ambiguous walk); say "
            + "which parent: a3e2f1b8c9d4; b7c4e9a1d2f3 (a revision id)");
  }

  @Test
  void anAmbiguousPrefixIsAmbiguousRevision() {
    RevisionGraph graph = new RevisionGraph(List.of(Revision.of("abcd0001", null),
        Revision.of("abcd0002", "abcd0001")));
    Decision decision = new Given().target("abcd")
        .with(g -> g.specImage = new Inspection.Loaded(graph)).decide();
    assertThat(decision.reason()).isEqualTo(Reason.AmbiguousRevision);
    assertThat(decision.message()).startsWith("Multiple revisions start with 'abcd'");
  }

  @Test
  void aRelativeTargetIsResolvedOncePerGeneration() {
    RevisionGraph line = new RevisionGraph(List.of(Revision.of("r1", null),
        Revision.of("r2", "r1"), Revision.of("r3", "r2"), Revision.of("r4", "r3")));
    Given given = new Given().rows("r1").target("+1")
        .with(g -> g.specImage = new Inspection.Loaded(line));
    Decision first = given.decide();
    Action.Migrate migrate = (Action.Migrate) first.action();
    assertThat(migrate.steps()).hasSize(1);
    String next = migrate.steps().get(0).revision;
    assertThat(next).isEqualTo("r2");
    assertThat(migrate.alembicTarget()).isEqualTo(next);
    assertThat(first.resolvedTarget()).isEqualTo(next);

    StatusWriter.apply(given.status, first, GENERATION, List.of("r1"), NOW);
    given.rows(next);
    Decision resync = given.decide();
    assertThat(resync.state()).as("+1 is not applied again").isEqualTo(State.READY);

    given.generation = GENERATION + 1;
    Decision newGeneration = given.decide();
    assertThat(((Action.Migrate) newGeneration.action()).steps()).extracting(p -> p.revision)
        .containsExactly("r3");
  }

  @Test
  void minusOneIsADowngrade() {
    Decision decision = new Given().rows(HEAD).target("-1")
        .with(g -> g.spec.downgrade.allow = true).decide();
    assertThat(decision.action()).isInstanceOf(Action.BackUp.class);
    assertThat(decision.resolvedTarget()).isEqualTo(MERGE);
  }

  @Test
  void aDatabaseAheadOfTheImageRollsBackWithTheAppliedImage() {
    Given given = new Given().rows(HEAD).with(g -> {
      g.specImage = new Inspection.Loaded(VECTIS_OLD);
      g.spec.image = OLD_IMAGE;
      g.spec.downgrade.allow = true;
    });
    Decision nobodyKnows = given.decide();
    assertThat(nobodyKnows.reason()).isEqualTo(Reason.RevisionInNoImage);
    assertThat(nobodyKnows.message()).startsWith("the database is at " + HEAD
        + ", which no image this resource knows contains (spec.image " + OLD_IMAGE + ")");

    given.status.appliedImage = IMAGE;
    assertThat(given.decide().action()).isEqualTo(new Action.Inspect(IMAGE));

    given.appliedImage = new Inspection.Loaded(VECTIS);
    assertThat(given.decide().action()).isEqualTo(new Action.BackUp(List.of(HEAD)));

    StatusWriter.backedUp(given.status, "pvc:dump", 1, "00", List.of(HEAD), GENERATION, NOW);
    Action.Migrate rollback = (Action.Migrate) given.decide().action();
    assertThat(rollback.upgrade()).isFalse();
    assertThat(rollback.image()).as("the old image lacks the downgrade code").isEqualTo(IMAGE);
    assertThat(rollback.alembicTarget()).isEqualTo(MERGE);
    assertThat(rollback.expectedRows()).containsExactly(MERGE);
  }

  @Test
  void aRollbackIsStillADowngradeThatMustBeAllowed() {
    Decision decision = new Given().rows(HEAD).with(g -> {
      g.specImage = new Inspection.Loaded(VECTIS_OLD);
      g.spec.image = OLD_IMAGE;
      g.status.appliedImage = IMAGE;
      g.appliedImage = new Inspection.Loaded(VECTIS);
    }).decide();
    assertThat(decision.reason()).isEqualTo(Reason.DowngradeNotAllowed);
    assertThat(decision.message()).isEqualTo("the database is at " + HEAD + ", which the "
        + "scripts of " + OLD_IMAGE + " do not contain; " + IMAGE + " (status.appliedImage, "
        + "which migrated it) knows it. Set spec.image back to " + IMAGE + " to stay at " + HEAD
        + ", or allow the downgrade (spec.downgrade.allow: true) and the operator will run it "
        + "with " + IMAGE + "'s scripts, after a verified backup, undoing " + HEAD
        + " (multi_currency) to reach " + MERGE);
    assertThat(decision.pending()).extracting(p -> p.revision).containsExactly(HEAD);
    assertThat(decision.resolvedTarget()).isEqualTo(MERGE);
    assertThat(decision.phase()).isEqualTo(Phase.Blocked);

    // A downgrade that could not run is not offered.
    Decision irreversible = new Given().rows(HEAD).with(g -> {
      g.specImage = new Inspection.Loaded(VECTIS_OLD);
      g.spec.image = OLD_IMAGE;
      g.status.appliedImage = IMAGE;
      g.appliedImage = new Inspection.Loaded(IRREVERSIBLE);
    }).decide();
    assertThat(irreversible.reason()).isEqualTo(Reason.DowngradeNotAllowed);
    assertThat(irreversible.message()).endsWith("Set spec.image back to " + IMAGE + " to stay "
        + "at " + HEAD + ". Reaching " + MERGE + " would undo " + HEAD + " (multi_currency), but "
        + "the downgrade() of " + HEAD + " (multi_currency) is empty while its upgrade() is not, "
        + "so no downgrade can: restore a backup taken before it instead")
        .doesNotContain("spec.downgrade.allow");
  }

  @Test
  void aFailureStaysUntilTheGenerationChanges() {
    Given given = new Given();
    StatusWriter.failed(given.status, Reason.MigrationFailed, "FAILED: relation \"x\" "
        + "already exists", GENERATION, NOW);
    Decision decision = given.decide();
    assertThat(decision.state()).isEqualTo(State.STALLED);
    assertThat(decision.reason()).isEqualTo(Reason.MigrationFailed);
    assertThat(decision.action()).isInstanceOf(Action.None.class);

    given.generation = GENERATION + 1; // e.g. retryToken changed
    assertThat(given.decide().action()).isInstanceOf(Action.Migrate.class);
  }

  @Test
  void statusConditionsFollowKstatus() {
    Given given = new Given();
    SchemaMigrationStatus status = given.status;
    List<String> events = new ArrayList<>(StatusWriter.apply(status, given.decide(), GENERATION,
        List.of(), NOW));
    assertThat(events).containsExactly("Reconciling/Migrating: upgrading base to " + HEAD
        + ": 0f5e1c2d3a4b (initial_schema), b7c4e9a1d2f3 (add_audit_log), a3e2f1b8c9d4 "
        + "(add_loyalty_points_table), c9d8e7f6a5b4 (merge_branches), 5731d674e022 "
        + "(multi_currency)");
    assertThat(condition(status, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(status, "Ready").getReason()).isEqualTo(Reason.Migrating.name());
    assertThat(condition(status, "Reconciling").getStatus()).isEqualTo("True");
    assertThat(condition(status, "Stalled").getStatus()).isEqualTo("False");
    assertThat(status.conditions).allMatch(c -> c.getObservedGeneration() == GENERATION);
    assertThat(status.phase).isEqualTo(Phase.Migrating);

    given.rows(HEAD);
    events = StatusWriter.apply(status, given.decide(), GENERATION, List.of(HEAD), NOW);
    assertThat(events).containsExactly("Ready/AtTarget: the database is at " + HEAD);
    assertThat(condition(status, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(status, "Reconciling").getStatus()).isEqualTo("False");
    assertThat(status.currentRevision).isEqualTo(HEAD);
    assertThat(StatusWriter.apply(status, given.decide(), GENERATION, List.of(HEAD), NOW))
        .as("a resync changes nothing worth an Event").isEmpty();
  }

  @Test
  void verificationComparesTheRowsReadBack() {
    SchemaMigrationStatus status = new SchemaMigrationStatus();
    Action.Migrate migrate = new Action.Migrate(true, "head", IMAGE, List.of(), List.of(HEAD),
        List.of());
    assertThat(StatusWriter.migrated(status, migrate, "job", NOW, List.of(MERGE), GENERATION,
        NOW)).containsExactly("Stalled/VerificationFailed: after alembic upgrade head the "
            + "version table holds " + MERGE + ", expected " + HEAD);
    assertThat(status.phase).isEqualTo(Phase.Failed);

    SchemaMigrationStatus ok = new SchemaMigrationStatus();
    assertThat(StatusWriter.migrated(ok, migrate, "job", NOW, List.of(HEAD), GENERATION, NOW))
        .isEmpty();
    assertThat(ok.appliedImage).isEqualTo(IMAGE);
    assertThat(ok.lastMigration.to).isEqualTo(HEAD);
  }

  private static void migrated(Given given, String from, String to, String direction) {
    given.status.lastMigration = new dev.vectis.migrations.api.MigrationRecord();
    given.status.lastMigration.from = from;
    given.status.lastMigration.to = to;
    given.status.lastMigration.direction = direction;
    given.status.lastMigration.completedAt = "2026-11-26T07:0" + (given.status.lastSeed == null
        ? "1" : "9") + ":00Z";
  }

  private static io.fabric8.kubernetes.api.model.Condition condition(
      SchemaMigrationStatus status, String type) {
    return status.conditions.stream().filter(c -> c.getType().equals(type)).findFirst()
        .orElseThrow();
  }

  @Test
  void overlappingVersionRowsAreBlamedOnTheDatabaseNotTheSpec() {
    // 0f5e1c2d3a4b is an ancestor of a3e2f1b8c9d4: Alembic never writes such rows.
    Decision decision = new Given().rows("0f5e1c2d3a4b", "a3e2f1b8c9d4").decide();
    assertThat(decision.state()).isEqualTo(State.STALLED);
    assertThat(decision.reason()).isEqualTo(Reason.OverlappingVersionRows);
    assertThat(decision.message()).contains("alembic stamp --purge",
        "never stamps on its own").doesNotContain("spec.targetRevision");
  }

  @Test
  void aDatabaseThatCannotBeUsedUntilAPersonActsStallsWithItsReason() {
    Decision decision = new Given().with(g -> g.database = new DatabaseState.Unusable(
        Reason.DatabaseAuthFailed, "authentication failed for user \"app\"")).decide();
    assertThat(decision.state()).isEqualTo(State.STALLED);
    assertThat(decision.reason()).isEqualTo(Reason.DatabaseAuthFailed);
    assertThat(decision.action()).isInstanceOf(Action.None.class);
    assertThat(decision.phase()).isEqualTo(Phase.Blocked);
  }

  // ------------------------------------------------------------------ guardrails (issue 13)

  /** The graph with operations captured for each revision: each one clean but {@code dirty}. */
  private static Inspection captured(RevisionGraph graph, Map<String, RevisionChanges> dirty) {
    Map<String, RevisionChanges> changes = new HashMap<>();
    for (Revision revision : graph.revisions()) {
      String file = "versions/" + revision.id() + "_" + revision.message() + ".py";
      changes.put(revision.id(), revision.isMerge()
          ? new RevisionChanges(file, phase(9), phase(13), List.of())
          : new RevisionChanges(file, phase(9, operation("CreateTableOp", "t_" + revision.id(),
              null, 10, null, null)), phase(20, operation("DropTableOp", "t_" + revision.id(),
              null, 21, null, null)), List.of()));
    }
    changes.putAll(dirty);
    return new Inspection.Loaded(graph, changes);
  }

  private static RevisionChanges.Phase phase(int line, RevisionChanges.Operation... operations) {
    return new RevisionChanges.Phase(true, List.of(operations), line, null, null);
  }

  private static RevisionChanges.Operation operation(String op, String table, String column,
      int line, Boolean nullable, Boolean serverDefault) {
    return new RevisionChanges.Operation(op, null, table, column, line, List.of(), "VARCHAR(3)",
        null, nullable, serverDefault, null, null, null, null, null);
  }

  /** multi_currency adds orders.currency NOT NULL without a default (line 14). */
  private static final RevisionChanges NOT_NULL = new RevisionChanges(
      "versions/5731d674e022_multi_currency.py",
      phase(12, operation("AddColumnOp", "orders", "currency", 14, false, false)),
      phase(20, operation("DropColumnOp", "orders", "currency", 21, null, null)), List.of());

  private static Given notNullPending() {
    return new Given().rows(MERGE).with(g -> g.specImage = captured(VECTIS,
        Map.of(HEAD, NOT_NULL)));
  }

  @Test
  void aDenyFindingStallsBeforeAnyBackupOrMigration() {
    Decision decision = notNullPending().decide();
    assertThat(decision.state()).isEqualTo(State.STALLED);
    assertThat(decision.reason()).isEqualTo(Reason.PolicyViolation);
    assertThat(decision.phase()).isEqualTo(Phase.Blocked);
    assertThat(decision.action()).isInstanceOf(Action.None.class);
    assertThat(decision.message()).startsWith("rule not-null-without-default in revision "
        + HEAD + " at versions/5731d674e022_multi_currency.py:14: column orders.currency is "
        + "added NOT NULL without a server_default").contains(
        "spec.policy.rules.not-null-without-default: warn", "# schema-migration: allow");
    assertThat(decision.policy().findings()).singleElement()
        .satisfies(f -> assertThat(f.blocks()).isTrue());

    // Two deny findings: the first in full, "+1 more".
    Decision two = new Given().with(g -> g.specImage = captured(VECTIS, Map.of(HEAD, NOT_NULL,
        "a3e2f1b8c9d4", new RevisionChanges("versions/a3.py", phase(9, operation(
            "AddColumnOp", "customers", "points", 11, false, null)), phase(20, operation(
            "DropColumnOp", "customers", "points", 21, null, null)), List.of())))).decide();
    assertThat(two.reason()).isEqualTo(Reason.PolicyViolation);
    assertThat(two.message()).contains("(+1 more deny finding in status.policy)");

    // The status carries the findings, bounded, and one Event per distinct set.
    SchemaMigrationStatus status = new SchemaMigrationStatus();
    List<String> events = StatusWriter.apply(status, decision, GENERATION, List.of(MERGE), NOW);
    assertThat(events).hasSize(2);
    assertThat(events.get(0)).startsWith("Policy/PolicyFindings: 1 lint finding in the pending "
        + "revisions (1 deny, 0 warn, 0 waived): not-null-without-default (deny) at "
        + "versions/5731d674e022_multi_currency.py:14");
    assertThat(events.get(1)).startsWith("Stalled/PolicyViolation: rule not-null-without-default");
    assertThat(status.policy.findings).singleElement().satisfies(f -> {
      assertThat(f.rule).isEqualTo("not-null-without-default");
      assertThat(f.line).isEqualTo(14);
      assertThat(f.revision).isEqualTo(HEAD);
    });
    assertThat(status.policy.denied).isEqualTo(1);
    assertThat(StatusWriter.apply(status, notNullPending().decide(), GENERATION, List.of(MERGE),
        NOW)).as("deciding again is no news").isEmpty();
  }

  @Test
  void findingsInTheStatusAreBounded() {
    Map<String, RevisionChanges> dirty = new HashMap<>();
    List<RevisionChanges.Operation> raw = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      raw.add(new RevisionChanges.Operation("ExecuteSQLOp", null, null, null, 10 + i, List.of(),
          null,
          null, null, null, null, null, null, null, "UPDATE orders SET x = " + i));
    }
    dirty.put(HEAD, new RevisionChanges("versions/h.py", new RevisionChanges.Phase(true, raw, 9,
        null, null), phase(50, operation("DropTableOp", "x", null, 51, null, null)), List.of()));
    Decision decision = new Given().rows(MERGE).with(g -> g.specImage = captured(VECTIS, dirty))
        .decide();
    assertThat(decision.action()).as("raw-sql is a warning").isInstanceOf(Action.Migrate.class);
    SchemaMigrationStatus status = new SchemaMigrationStatus();
    StatusWriter.apply(status, decision, GENERATION, List.of(MERGE), NOW);
    assertThat(status.policy.findings).hasSize(StatusWriter.MAX_FINDINGS);
    assertThat(status.policy.total).isEqualTo(30);
    assertThat(status.policy.denied).isZero();
  }

  @Test
  void aWarnFindingIsReportedAndTheMigrationProceeds() {
    Given given = notNullPending().with(g -> g.spec.policy.rules.put("not-null-without-default",
        RuleSeverity.warn));
    Decision decision = given.decide();
    assertThat(decision.action()).isInstanceOf(Action.Migrate.class);
    assertThat(decision.reason()).isEqualTo(Reason.Migrating);
    assertThat(decision.policy().findings()).singleElement().satisfies(f -> {
      assertThat(f.severity()).isEqualTo("warn");
      assertThat(f.blocks()).isFalse();
    });
    SchemaMigrationStatus status = given.status;
    assertThat(StatusWriter.apply(status, decision, GENERATION, List.of(MERGE), NOW))
        .anyMatch(e -> e.startsWith("Policy/PolicyFindings: 1 lint finding in the pending "
            + "revisions (0 deny, 1 warn, 0 waived)"));
    assertThat(status.policy.findings).singleElement()
        .satisfies(f -> assertThat(f.severity).isEqualTo("warn"));

    // At the target nothing is pending: the findings go.
    given.rows(HEAD);
    StatusWriter.apply(status, given.decide(), GENERATION, List.of(HEAD), NOW);
    assertThat(status.policy).isNull();
  }

  @Test
  void aChangedSpecOrAWaiverUnblocks() {
    assertThat(notNullPending().decide().reason()).isEqualTo(Reason.PolicyViolation);

    Decision off = notNullPending().with(g -> {
      g.generation = GENERATION + 1;
      g.spec.policy.rules.put("not-null-without-default", RuleSeverity.off);
    }).decide();
    assertThat(off.action()).isInstanceOf(Action.Migrate.class);
    assertThat(off.policy().findings()).isEmpty();

    // A new image whose revision waives the rule for itself, with a reason.
    RevisionChanges waived = new RevisionChanges(NOT_NULL.file(), NOT_NULL.upgrade(),
        NOT_NULL.downgrade(), List.of(new RevisionChanges.Waiver("not-null-without-default",
            "orders is empty in every environment", 3, null)));
    Decision withWaiver = new Given().rows(MERGE).with(g -> g.specImage = captured(VECTIS,
        Map.of(HEAD, waived))).decide();
    assertThat(withWaiver.action()).isInstanceOf(Action.Migrate.class);
    assertThat(withWaiver.policy().findings()).singleElement()
        .satisfies(f -> assertThat(f.waived()).isEqualTo("orders is empty in every environment"));

    // The Stalled state was never recorded as a failure: the same status, decided again with
    // the changed spec, moves on.
    Given given = notNullPending();
    StatusWriter.apply(given.status, given.decide(), GENERATION, List.of(MERGE), NOW);
    given.spec.policy.rules.put("not-null-without-default", RuleSeverity.warn);
    given.generation = GENERATION + 1;
    assertThat(given.decide().action()).isInstanceOf(Action.Migrate.class);
  }

  @Test
  void aDowngradeIsJudgedOnlyByItsDowngradeAndAnswersMissingDowngrade() {
    // The upgrade() of the revision to undo breaks a deny rule: irrelevant to a downgrade.
    Decision downgrade = new Given().rows(HEAD).target(MERGE).with(g -> {
      g.specImage = captured(VECTIS, Map.of(HEAD, NOT_NULL));
      g.spec.downgrade.allow = true;
    }).decide();
    assertThat(downgrade.action()).isInstanceOf(Action.BackUp.class);
    assertThat(downgrade.policy().findings()).isEmpty();

    // Its downgrade() raises: the policy's missing-downgrade, reported as MissingDowngrade
    // (the reason a downgrade is refused for), not as a second PolicyViolation.
    RevisionChanges raises = new RevisionChanges(NOT_NULL.file(), NOT_NULL.upgrade(),
        new RevisionChanges.Phase(true, List.of(), 20, "NotImplementedError: irreversible", 21),
        List.of());
    Decision refused = new Given().rows(HEAD).target(MERGE).with(g -> {
      g.specImage = captured(VECTIS, Map.of(HEAD, raises));
      g.spec.downgrade.allow = true;
    }).decide();
    assertThat(refused.reason()).isEqualTo(Reason.MissingDowngrade);
    assertThat(refused.action()).isInstanceOf(Action.None.class);
    assertThat(refused.message()).startsWith("cannot downgrade: rule missing-downgrade in "
        + "revision " + HEAD + " at versions/5731d674e022_multi_currency.py:21: downgrade() "
        + "raises NotImplementedError");
    assertThat(refused.policy().findings()).extracting(f -> f.rule())
        .containsOnly("missing-downgrade");

    // An empty downgrade() is refused as before, whatever the policy says.
    Decision empty = new Given().rows(HEAD).target(MERGE).with(g -> {
      g.specImage = captured(IRREVERSIBLE, Map.of());
      g.spec.downgrade.allow = true;
      g.spec.policy.rules.put("missing-downgrade", RuleSeverity.off);
    }).decide();
    assertThat(empty.reason()).isEqualTo(Reason.MissingDowngrade);
  }

  @Test
  void operationsNotCapturedAreSaidNotSkipped() {
    Decision decision = new Given().rows(MERGE).with(g -> g.specImage =
        new Inspection.Loaded(VECTIS)).decide();
    assertThat(decision.action()).isInstanceOf(Action.Migrate.class);
    assertThat(decision.policy().findings()).singleElement().satisfies(f -> {
      assertThat(f.rule()).isEqualTo("raw-sql");
      assertThat(f.message()).contains("not captured");
    });
  }

  private static Given rehearsed(Given given) {
    given.spec.rehearsal = new RehearsalSpec();
    given.spec.rehearsal.databaseSecretRef = new SecretRef();
    given.spec.rehearsal.databaseSecretRef.name = "vectis-db-scratch";
    return given;
  }

  @Test
  void aRehearsalRunsBeforeProductionOncePerPlan() {
    Given given = rehearsed(new Given().rows(MERGE));
    Decision decision = given.decide();
    assertThat(decision.action()).isInstanceOfSatisfying(Action.Rehearse.class, rehearse -> {
      assertThat(rehearse.migrate().alembicTarget()).isEqualTo("head");
      assertThat(rehearse.migrate().from()).containsExactly(MERGE);
      assertThat(rehearse.plan()).isEqualTo(Decider.rehearsalPlan(IMAGE, "upgrade",
          List.of(MERGE), List.of(HEAD), "head"));
    });
    assertThat(decision.reason()).isEqualTo(Reason.Rehearsing);
    assertThat(decision.phase()).isEqualTo(Phase.Rehearsing);

    // Recorded as rehearsed (what Outcomes does for a successful Job): production proceeds.
    StatusWriter.started(given.status, "job-r", decision.action(), NOW);
    assertThat(given.status.activeJob.action).isEqualTo("rehearse");
    Outcomes.Recorded recorded = Outcomes.finished(given.status, ActionResult.exited(0,
        "rehearsal: succeeded"), given.database, GENERATION, NOW);
    assertThat(recorded.kind()).isEqualTo(Outcomes.Kind.SUCCEEDED);
    assertThat(given.status.lastRehearsal.plan).isEqualTo(
        ((Action.Rehearse) decision.action()).plan());
    assertThat(given.decide().action()).isInstanceOf(Action.Migrate.class);

    // Another plan (the database moved) is rehearsed anew.
    given.rows("a3e2f1b8c9d4", "b7c4e9a1d2f3");
    assertThat(given.decide().action()).isInstanceOf(Action.Rehearse.class);
  }

  @Test
  void aDenyFindingIsNotRehearsedAndADowngradeIsRehearsedBeforeItsBackup() {
    assertThat(rehearsed(notNullPending()).decide().reason())
        .isEqualTo(Reason.PolicyViolation);

    Given downgrade = rehearsed(new Given().rows(HEAD).target(MERGE)
        .with(g -> g.spec.downgrade.allow = true));
    Decision decision = downgrade.decide();
    assertThat(decision.action()).isInstanceOfSatisfying(Action.Rehearse.class,
        rehearse -> assertThat(rehearse.migrate().upgrade()).isFalse());
    downgrade.status.lastRehearsal = new RehearsalRecord();
    downgrade.status.lastRehearsal.plan = ((Action.Rehearse) decision.action()).plan();
    assertThat(downgrade.decide().action()).isInstanceOf(Action.BackUp.class);
  }

  @Test
  void aScratchDatabaseThatCannotBeUsedWaitsOrStalls() {
    Decision waiting = rehearsed(new Given().rows(MERGE)).with(g -> g.scratch =
        new DatabaseState.Unavailable("spec.rehearsal.databaseSecretRef: Secret "
            + "vectis-db-scratch not found")).decide();
    assertThat(waiting.state()).isEqualTo(State.RECONCILING);
    assertThat(waiting.reason()).isEqualTo(Reason.WaitingForDatabase);
    assertThat(waiting.action()).isInstanceOf(Action.None.class);
    assertThat(waiting.message()).contains("vectis-db-scratch not found");

    Decision production = rehearsed(new Given().rows(MERGE)).with(g -> g.scratch =
        new DatabaseState.Unusable(Reason.InvalidSpec, "spec.rehearsal.databaseSecretRef: "
            + "names production's own database")).decide();
    assertThat(production.state()).isEqualTo(State.STALLED);
    assertThat(production.reason()).isEqualTo(Reason.InvalidSpec);
    assertThat(production.action()).isInstanceOf(Action.None.class);
  }

  @Test
  void aFailedRehearsalStallsForThisGenerationAndLeavesProductionAlone() {
    Given given = rehearsed(new Given().rows(MERGE));
    Decision decision = given.decide();
    StatusWriter.started(given.status, "vectis-rehearse-1", decision.action(), NOW);
    Outcomes.Recorded recorded = Outcomes.finished(given.status, ActionResult.exited(1,
        "rehearsal: step 1/3: alembic upgrade head\nrehearsal: step 2/3: alembic downgrade "
            + MERGE + "\nsqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedTable) "
            + "table \"loyalty\" does not exist\nrehearsal: step 2/3 (alembic downgrade "
            + MERGE + ") failed with exit 1"), given.database, GENERATION, NOW);
    assertThat(recorded.kind()).isEqualTo(Outcomes.Kind.FAILED);
    assertThat(recorded.events()).singleElement().asString().startsWith(
        "Stalled/RehearsalFailed: the rehearsal vectis-rehearse-1 of alembic upgrade head from "
            + MERGE + " failed (exit 1) at step 2/3 (alembic downgrade " + MERGE + "): "
            + "sqlalchemy.exc.ProgrammingError").contains("Production was not touched");
    assertThat(given.status.lastRehearsal).isNull();
    Decision after = given.decide();
    assertThat(after.reason()).isEqualTo(Reason.RehearsalFailed);
    assertThat(after.action()).isInstanceOf(Action.None.class);

    given.generation = GENERATION + 1; // a new image, a changed spec, retryToken
    assertThat(given.decide().action()).isInstanceOf(Action.Rehearse.class);
  }

  // ------------------------------------------------------------------ diagnoses

  @Test
  void aRevisionOnlyACachedImageKnowsNamesItAndBothWaysBack() {
    // The database was migrated by 1.14.0 and later (a restore, a hand) left at its head while
    // 1.13.0, also the applied image, does not know it: the graph cache remembers 1.14.0.
    Given given = new Given().rows(HEAD).with(g -> {
      g.specImage = captured(VECTIS_OLD, Map.of());
      g.spec.image = OLD_IMAGE;
      g.status.appliedImage = OLD_IMAGE;
      g.cachedImages = Map.of(IMAGE, captured(VECTIS, Map.of()));
    });
    assertThat(Diagnoses.needsCachedImages(given.observation())).isTrue();
    Decision decision = given.decide();
    assertThat(decision.state()).isEqualTo(State.STALLED);
    assertThat(decision.reason()).isEqualTo(Reason.UnknownRevision);
    assertThat(decision.reason().isFailureOfAnAction()).isFalse();
    assertThat(decision.message()).isEqualTo("the database is at " + HEAD + ", which the "
        + "scripts of " + OLD_IMAGE + " do not contain; " + IMAGE + " knows it (an image this "
        + "resource used before; its revision graph is cached). Set spec.image back to " + IMAGE
        + ". To reach " + MERGE + " (what spec.targetRevision head means in " + OLD_IMAGE
        + ") instead, set spec.image to " + IMAGE + " with spec.targetRevision: " + MERGE
        + " and spec.downgrade.allow: true, so that its scripts run the downgrade, then "
        + "spec.image to " + OLD_IMAGE + " again (the operator downgrades with another image's "
        + "scripts only for status.appliedImage, the image that migrated the database last: "
        + OLD_IMAGE + ")");
    assertThat(decision.action()).isInstanceOf(Action.None.class);

    // A state, not a failure: once the spec follows the advice it goes on.
    StatusWriter.apply(given.status, decision, GENERATION, List.of(HEAD), NOW);
    given.spec.image = IMAGE;
    given.specImage = captured(VECTIS, Map.of());
    assertThat(given.decide().state()).isEqualTo(State.READY);
  }

  @Test
  void theAppliedImageIsNotLookedForInTheCache() {
    Given given = new Given().rows(HEAD).with(g -> {
      g.specImage = captured(VECTIS_OLD, Map.of());
      g.spec.image = OLD_IMAGE;
      g.status.appliedImage = IMAGE;
      g.appliedImage = captured(VECTIS, Map.of());
    });
    assertThat(Diagnoses.needsCachedImages(given.observation()))
        .as("the applied image knows the rows").isFalse();
    given.rows(MERGE);
    assertThat(Diagnoses.needsCachedImages(given.observation()))
        .as("the spec's image knows the rows").isFalse();
    given.rows("deadbeef0000");
    assertThat(Diagnoses.needsCachedImages(given.observation())).isTrue();
  }

  @Test
  void aRevisionNoKnownImageHasSaysSoAndHowToStamp() {
    Decision decision = new Given().rows("deadbeef0000").with(g -> {
      g.status.appliedImage = OLD_IMAGE;
      g.appliedImage = captured(VECTIS_OLD, Map.of());
      g.cachedImages = Map.of("registry.example/vectis/backend:1.12.0",
          captured(TWO_HEADS, Map.of()));
    }).decide();
    assertThat(decision.state()).isEqualTo(State.STALLED);
    assertThat(decision.reason()).isEqualTo(Reason.RevisionInNoImage);
    assertThat(decision.reason().isFailureOfAnAction()).isFalse();
    assertThat(decision.phase()).isEqualTo(Phase.Blocked);
    assertThat(decision.message()).isEqualTo("the database is at deadbeef0000, which no image "
        + "this resource knows contains (spec.image " + IMAGE + "; status.appliedImage "
        + OLD_IMAGE + "; the cached graphs of registry.example/vectis/backend:1.12.0): no known "
        + "scripts have it. A revision file deleted from the project, a hotfix applied by hand, "
        + "a release deployed by other means, or the wrong database. Deploy an image whose "
        + "scripts contain deadbeef0000 (set spec.image to it), or, if the schema really is at "
        + "a revision the scripts know, record that with `alembic stamp --purge <that "
        + "revision>` (the operator never stamps on its own)");
  }

  @Test
  void overlappingRowsNameTheAncestorAndTheStampThatLeavesTheDescendant() {
    Decision decision = new Given().rows("0f5e1c2d3a4b", "a3e2f1b8c9d4").decide();
    assertThat(decision.reason()).isEqualTo(Reason.OverlappingVersionRows);
    assertThat(decision.reason().isFailureOfAnAction()).isFalse();
    assertThat(decision.message()).isEqualTo("the version table holds 0f5e1c2d3a4b, "
        + "a3e2f1b8c9d4, and 0f5e1c2d3a4b is an ancestor of a3e2f1b8c9d4: Alembic never writes "
        + "such rows (an upgrade replaces a revision's row by its descendant's), so the table "
        + "was edited by hand or by another tool. If the schema matches a3e2f1b8c9d4 (check its "
        + "tables and columns), run `alembic stamp --purge a3e2f1b8c9d4` to leave only that "
        + "row; if it matches an older revision, stamp that one instead (the operator never "
        + "stamps on its own)");

    // Through a merge; a third row on another branch is kept in the stamp.
    Decision merge = new Given().rows(HEAD, "b7c4e9a1d2f3").target(HEAD).decide();
    assertThat(merge.reason()).isEqualTo(Reason.OverlappingVersionRows);
    assertThat(merge.message()).contains("b7c4e9a1d2f3 is an ancestor of " + HEAD,
        "`alembic stamp --purge " + HEAD + "`");
    Decision branches = new Given().rows("a3e2f1b8c9d4", "0f5e1c2d3a4b", "b7c4e9a1d2f3")
        .target("heads").with(g -> g.specImage = captured(TWO_HEADS, Map.of())).decide();
    assertThat(branches.message()).contains("`alembic stamp --purge a3e2f1b8c9d4 b7c4e9a1d2f3`",
        "leave only those rows");

    // Two heads of two branches are no overlap.
    assertThat(new Given().rows("a3e2f1b8c9d4", "b7c4e9a1d2f3").decide().action())
        .isInstanceOf(Action.Migrate.class);
  }

  @Test
  void tablesThePendingRevisionsCreateWithoutVersionRowsAreAnUnstampedSchema() {
    Given given = new Given().with(g -> g.existingTables = java.util.Set.of("t_0f5e1c2d3a4b",
        "public.t_0f5e1c2d3a4b", "t_a3e2f1b8c9d4", "public.t_a3e2f1b8c9d4", "legacy_orders"));
    assertThat(Diagnoses.needsExistingTables(given.observation())).isTrue();
    Decision decision = given.decide();
    assertThat(decision.state()).isEqualTo(State.STALLED);
    assertThat(decision.reason()).isEqualTo(Reason.UnstampedSchema);
    assertThat(decision.reason().isFailureOfAnAction()).isFalse();
    assertThat(decision.action()).isInstanceOf(Action.None.class);
    assertThat(decision.message()).isEqualTo("the version table holds no rows (base), yet "
        + "tables the pending revisions create already exist: t_0f5e1c2d3a4b (0f5e1c2d3a4b "
        + "initial_schema); t_a3e2f1b8c9d4 (a3e2f1b8c9d4 add_loyalty_points_table). alembic "
        + "upgrade would stop half-way with \"relation already exists\". If the schema is at a "
        + "revision already (its version table was dropped or emptied, or another tool created "
        + "it), find the revision it matches (every table up to a3e2f1b8c9d4 exists: compare "
        + "its columns) and record it with `alembic stamp a3e2f1b8c9d4` (the operator never "
        + "stamps on its own); if the tables are leftovers, drop them");
    assertThat(decision.pending()).hasSize(5);

    // Tables no pending revision creates are not the migration's business.
    given.existingTables = java.util.Set.of("legacy_orders", "public.legacy_orders");
    assertThat(given.decide().action()).isInstanceOf(Action.Migrate.class);
    given.existingTables = null; // not read
    assertThat(given.decide().action()).isInstanceOf(Action.Migrate.class);
    // A revision that drops the table before it creates it again expects it there.
    given.existingTables = java.util.Set.of("t_0f5e1c2d3a4b", "public.t_0f5e1c2d3a4b");
    given.specImage = captured(VECTIS, Map.of("0f5e1c2d3a4b", new RevisionChanges(
        "versions/0f.py", phase(9, operation("DropTableOp", "t_0f5e1c2d3a4b", null, 10, null,
            null), operation("CreateTableOp", "t_0f5e1c2d3a4b", null, 11, null, null)),
        phase(20, operation("DropTableOp", "t_0f5e1c2d3a4b", null, 21, null, null)),
        List.of())));
    assertThat(given.decide().action()).isInstanceOf(Action.Migrate.class);
    // Only an upgrade from base is diagnosed.
    given.rows("0f5e1c2d3a4b");
    assertThat(Diagnoses.needsExistingTables(given.observation())).isFalse();
  }

  /**
   * The schema is at head, its version table dropped; the new image adds a revision that
   * creates no table (raw SQL, an added column): nothing says it ran, so the stamp the
   * message gives must not skip it (`alembic stamp` records it as applied without running it).
   */
  @Test
  void anUnstampedSchemasCandidateIsNotARevisionThatCreatesNoTable() {
    RevisionGraph withNext = new RevisionGraph(java.util.stream.Stream.concat(
        VECTIS.revisions().stream(), java.util.stream.Stream.of(revision("f5f5f5f5f5f5",
            List.of(HEAD), List.of(), "add_next_rows", false))).toList());
    RevisionChanges rawSql = new RevisionChanges("versions/f5f5f5f5f5f5_add_next_rows.py",
        phase(9, new RevisionChanges.Operation("ExecuteSQLOp", null, null, null, 10, List.of(),
            null, null, null, null, null, null, null, null, "CREATE TABLE next_rows (n integer)")),
        phase(20), List.of());
    java.util.Set<String> atHead = new java.util.HashSet<>();
    for (Revision revision : VECTIS.revisions()) {
      atHead.add("t_" + revision.id());
      atHead.add("public.t_" + revision.id());
    }
    Decision decision = new Given().with(g -> {
      g.specImage = captured(withNext, Map.of("f5f5f5f5f5f5", rawSql));
      g.existingTables = atHead;
    }).decide();

    assertThat(decision.reason()).isEqualTo(Reason.UnstampedSchema);
    assertThat(decision.message()).as("next_rows was never created")
        .doesNotContain("alembic stamp f5f5f5f5f5f5")
        .contains("(every table up to " + HEAD + " exists: compare its columns)",
            "`alembic stamp " + HEAD + "`");
  }

  /**
   * The project's env.py keeps the version table in another schema (version_table_schema)
   * than the spec says: the table read is empty, the database is at head. Stamping, as the
   * message says, changes nothing (env.py stamps the table in meta, at head already); the
   * message must name the version table it found.
   */
  @Test
  void anUnstampedSchemaNamesAVersionTableFoundInAnotherSchema() {
    java.util.Set<String> atHead = new java.util.HashSet<>(java.util.Set.of(
        "meta.alembic_version"));
    for (Revision revision : VECTIS.revisions()) {
      atHead.add("t_" + revision.id());
      atHead.add("public.t_" + revision.id());
    }
    Decision decision = new Given().with(g -> g.existingTables = atHead).decide();

    assertThat(decision.reason()).isEqualTo(Reason.UnstampedSchema);
    assertThat(decision.message()).contains("meta.alembic_version",
        "spec.alembic.versionTableSchema: meta");
  }

  @Test
  void aSchemaQualifiedTableIsMatchedByItsSchema() {
    RevisionChanges inAudit = new RevisionChanges("versions/b7.py", phase(9,
        new RevisionChanges.Operation("CreateTableOp", "audit", "log", null, 10, List.of(), null,
            null, null, null, null, null, null, null, null)), phase(20, operation("DropTableOp",
                "log", null, 21, null, null)), List.of());
    Given given = new Given().target("b7c4e9a1d2f3").with(g -> {
      g.specImage = captured(VECTIS, Map.of("b7c4e9a1d2f3", inAudit));
      g.existingTables = java.util.Set.of("log", "public.log");
    });
    Decision other = given.decide();
    assertThat(other.action()).as("public.log is not audit.log: %s", other.message())
        .isInstanceOf(Action.Migrate.class);
    given.existingTables = java.util.Set.of("audit.log");
    Decision decision = given.decide();
    assertThat(decision.reason()).isEqualTo(Reason.UnstampedSchema);
    assertThat(decision.message()).contains("audit.log (b7c4e9a1d2f3 add_audit_log)",
        "`alembic stamp <revision>`");
  }

  @Test
  void rowsThatNoOneImageHasAllOfSayWhichImageHasWhich() {
    RevisionGraph left = new RevisionGraph(List.of(Revision.of("r1", null),
        Revision.of("l2", "r1")));
    RevisionGraph right = new RevisionGraph(List.of(Revision.of("r1", null),
        Revision.of("x2", "r1")));
    Decision decision = new Given().rows("l2", "x2").with(g -> {
      g.specImage = new Inspection.Loaded(new RevisionGraph(List.of(Revision.of("r1", null))));
      g.cachedImages = new java.util.LinkedHashMap<>(Map.of("app:left",
          new Inspection.Loaded(left)));
      g.cachedImages.put("app:right", new Inspection.Loaded(right));
    }).decide();
    assertThat(decision.reason()).isEqualTo(Reason.UnknownRevision);
    assertThat(decision.message()).contains("no image this resource knows contains all of "
        + "l2, x2 (l2 is in app:left; x2 is in app:right)", "alembic stamp --purge");
  }

  @Test
  void anAppliedImageThatCannotReachTheTargetIsNamedWithWhatToDo() {
    // The spec's image is on another line: its head is not behind the database.
    RevisionGraph applied = new RevisionGraph(List.of(Revision.of("r1", null),
        Revision.of("r2", "r1"), Revision.of("s2", "r1")));
    RevisionGraph spec = new RevisionGraph(List.of(Revision.of("r1", null),
        Revision.of("s2", "r1")));
    Decision decision = new Given().rows("r2").with(g -> {
      g.specImage = new Inspection.Loaded(spec);
      g.status.appliedImage = "app:applied";
      g.appliedImage = new Inspection.Loaded(applied);
    }).decide();
    assertThat(decision.reason()).isEqualTo(Reason.UnknownRevision);
    assertThat(decision.message()).isEqualTo("the database is at r2, which the scripts of "
        + IMAGE + " do not contain; app:applied (status.appliedImage, which migrated it) knows "
        + "it, but cannot downgrade it to s2, what spec.targetRevision (head) means in " + IMAGE
        + ". Set spec.image back to app:applied, or set spec.targetRevision to a revision both "
        + "images contain and behind the database, with spec.downgrade.allow: true: the "
        + "operator will run that downgrade with app:applied's scripts");
  }
}
