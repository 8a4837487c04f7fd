package dev.vectis.migrations.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.api.ActiveJob;
import dev.vectis.migrations.api.Phase;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a finished action means: one table for the operator and local mode. */
class OutcomesTest {
  private static final String NOW = "2026-11-30T08:00:00Z";
  private static final String HEAD = "5731d674e022";
  private static final String MERGE = "c9d8e7f6a5b4";
  private static final String FAILED_OUTPUT = """
      migration lock: acquired
      INFO  [alembic.runtime.migration] Running upgrade a3e2f1b8c9d4 -> c9d8e7f6a5b4, merge
      INFO  [alembic.runtime.migration] Running upgrade c9d8e7f6a5b4 -> 5731d674e022, multi_currency
      sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation) could not create unique index "ix_rates"
      DETAIL:  Key (base_currency)=(EUR) is duplicated.

      [SQL: CREATE UNIQUE INDEX ix_rates
          ON exchange_rates (base_currency)]
      (Background on this error at: https://sqlalche.me/e/14/gkpj)
      """;

  private static SchemaMigrationStatus migrating(String from, String to) {
    SchemaMigrationStatus status = new SchemaMigrationStatus();
    status.activeJob = new ActiveJob();
    status.activeJob.name = "vectis-backend-migrate-0123456789";
    status.activeJob.action = "migrate";
    status.activeJob.image = "registry.example/vectis/backend:1.14.0";
    status.activeJob.from = from;
    status.activeJob.to = to;
    status.activeJob.direction = "upgrade";
    status.activeJob.target = "head";
    status.activeJob.startedAt = "2026-11-30T07:59:00Z";
    return status;
  }

  private static Condition stalled(SchemaMigrationStatus status) {
    return status.conditions.stream().filter(c -> c.getType().equals("Stalled")).findFirst()
        .orElseThrow();
  }

  private static DatabaseState rows(String... rows) {
    return new DatabaseState.Rows(List.of(rows));
  }

  @Test
  void aMigrationThatSucceededIsVerifiedAgainstTheRowsReadAfterwards() {
    SchemaMigrationStatus status = migrating("a3e2f1b8c9d4", HEAD);
    Outcomes.Recorded recorded = Outcomes.finished(status, ActionResult.exited(0, ""),
        rows(HEAD), 3, NOW);
    assertThat(recorded.kind()).isEqualTo(Outcomes.Kind.SUCCEEDED);
    assertThat(status.activeJob).isNull();
    assertThat(status.lastMigration.to).isEqualTo(HEAD);
    assertThat(status.appliedImage).isEqualTo("registry.example/vectis/backend:1.14.0");

    status = migrating("a3e2f1b8c9d4", HEAD);
    recorded = Outcomes.finished(status, ActionResult.exited(0, ""), rows(MERGE), 3, NOW);
    assertThat(recorded.kind()).isEqualTo(Outcomes.Kind.FAILED);
    assertThat(stalled(status).getReason()).isEqualTo("VerificationFailed");
  }

  @Test
  void theHistoryKeepsFinishedRunsNewestFirstBoundedByTheLimit() {
    SchemaMigrationStatus status = new SchemaMigrationStatus();
    for (int i = 0; i < 4; i++) {
      SchemaMigrationStatus next = migrating(i == 0 ? "" : "r" + (i - 1), "r" + i);
      next.history = status.history;
      next.activeJob.planHash = i == 3 ? "00ff00ff00ff00ff" : null;
      Outcomes.finished(next, ActionResult.exited(i == 2 ? 1 : 0, i == 2 ? FAILED_OUTPUT : ""),
          rows(i == 2 ? "r1" : "r" + i), 3, "2026-11-30T08:0" + i + ":00Z", 3);
      status = next;
    }
    assertThat(status.history).hasSize(3);
    assertThat(status.history).extracting(entry -> entry.to).containsExactly("r3", "r2", "r1");
    assertThat(status.history.get(0).result).isEqualTo("Succeeded");
    assertThat(status.history.get(0).planHash).isEqualTo("00ff00ff00ff00ff");
    assertThat(status.history.get(0).completedAt).isEqualTo("2026-11-30T08:03:00Z");
    assertThat(status.history.get(1).result).isEqualTo("MigrationFailed");
    assertThat(status.history.get(1).from).isEqualTo("r1");
    assertThat(status.history.get(1).image).isEqualTo("registry.example/vectis/backend:1.14.0");

    // A limit beyond the CRD's maximum is held to it; an inspection is not a run.
    status.history = new java.util.ArrayList<>(java.util.Collections.nCopies(50,
        status.history.get(0)));
    SchemaMigrationStatus more = migrating("r3", "r4");
    more.history = status.history;
    Outcomes.finished(more, ActionResult.exited(0, ""), rows("r4"), 3, NOW, 500);
    assertThat(more.history).hasSize(Outcomes.MAX_HISTORY);
    assertThat(more.history.get(0).to).isEqualTo("r4");
    SchemaMigrationStatus inspection = new SchemaMigrationStatus();
    inspection.activeJob = new ActiveJob();
    inspection.activeJob.action = "inspect";
    inspection.activeJob.image = "x";
    Outcomes.finished(inspection, ActionResult.exited(1, "boom"), rows(), 3, NOW, 10);
    assertThat(inspection.history).isNull();
  }

  @Test
  void aWaitingPlanKeepsItsSinceAndAnApprovalIsRecordedOnce() {
    SchemaMigrationStatus status = new SchemaMigrationStatus();
    dev.vectis.migrations.api.PendingPlan plan = new dev.vectis.migrations.api.PendingPlan();
    plan.planHash = "aaaaaaaaaaaaaaaa";
    plan.direction = "downgrade";
    plan.from = HEAD;
    plan.to = MERGE;
    plan.image = "img";
    plan.steps = List.of();
    Decision waiting = new Decision(Action.none(), Decision.State.AWAITING_APPROVAL,
        Phase.AwaitingApproval, Reason.AwaitingApproval, "waits", MERGE, List.of(), null)
        .withApproval(new Approvals.Approval(plan, false));
    List<String> events = StatusWriter.apply(status, waiting, 3, List.of(HEAD), NOW);
    assertThat(events).containsExactly("Ready/AwaitingApproval: waits");
    assertThat(status.conditions).allMatch(condition -> condition.getStatus().equals("False"));
    assertThat(status.conditions).allMatch(c -> c.getReason().equals("AwaitingApproval"));
    assertThat(status.pendingPlan.since).isEqualTo(NOW);
    assertThat(StatusWriter.apply(status, waiting, 3, List.of(HEAD), "later")).isEmpty();
    assertThat(status.pendingPlan.since).isEqualTo(NOW);

    Decision approved = new Decision(new Action.BackUp(List.of(HEAD)),
        Decision.State.RECONCILING, Phase.BackingUp, Reason.BackingUp, "backing up", MERGE,
        List.of(), null).withApproval(new Approvals.Approval(plan, true));
    assertThat(StatusWriter.apply(status, approved, 3, List.of(HEAD), "then"))
        .anyMatch(event -> event.startsWith("Normal/Approved: plan aaaaaaaaaaaaaaaa"));
    assertThat(status.pendingPlan).isNull();
    assertThat(status.lastApproval.planHash).isEqualTo("aaaaaaaaaaaaaaaa");
    assertThat(status.lastApproval.approvedAt).isEqualTo("then");
    assertThat(StatusWriter.apply(status, approved, 3, List.of(HEAD), "again"))
        .noneMatch(event -> event.contains("Approved"));
    StatusWriter.started(status, "job", approved.action(), approved.approval(), "again");
    assertThat(status.activeJob.planHash).isEqualTo("aaaaaaaaaaaaaaaa");
  }

  @Test
  void aMovedDatabaseRanNothingAndIsPlannedAgain() {
    SchemaMigrationStatus status = migrating(HEAD, "a3e2f1b8c9d4");
    Outcomes.Recorded recorded = Outcomes.finished(status, ActionResult.exited(
        ActionResult.DATABASE_MOVED, "database moved"), rows("f2f2f2f2f2f2"), 3, NOW);
    assertThat(recorded.kind()).isEqualTo(Outcomes.Kind.DATABASE_MOVED);
    assertThat(status.activeJob).isNull();
    assertThat(status.conditions).as("not a failure").isNullOrEmpty();
    assertThat(status.lastMigration).isNull();
    assertThat(recorded.events()).singleElement().asString().contains("planned from " + HEAD,
        "database is at f2f2f2f2f2f2", "nothing ran");
  }

  @Test
  void aSeedOnAMovedDatabaseIsPlannedAgainToo() {
    SchemaMigrationStatus status = migrating(HEAD, HEAD);
    status.activeJob.action = "seed";
    Outcomes.Recorded recorded = Outcomes.finished(status, ActionResult.exited(
        ActionResult.DATABASE_MOVED, ""), rows(MERGE), 3, NOW);
    assertThat(recorded.kind()).isEqualTo(Outcomes.Kind.DATABASE_MOVED);
    assertThat(status.lastSeed).isNull();
  }

  @Test
  void aFailureNamesTheRevisionTheErrorWithItsDetailAndWhatWasCommitted() {
    SchemaMigrationStatus status = migrating("a3e2f1b8c9d4", HEAD);
    Outcomes.finished(status, ActionResult.exited(1, FAILED_OUTPUT), rows(MERGE), 3, NOW);
    String message = stalled(status).getMessage();
    assertThat(stalled(status).getReason()).isEqualTo("MigrationFailed");
    assertThat(status.phase).isEqualTo(Phase.Failed);
    assertThat(message).contains("alembic upgrade head failed (exit 1) in revision "
        + HEAD + " (multi_currency)", "(psycopg2.errors.UniqueViolation)",
        "DETAIL: Key (base_currency)=(EUR) is duplicated.",
        "[SQL: CREATE UNIQUE INDEX ix_rates ON exchange_rates (base_currency)]",
        "Revisions before it were committed: the version table is at " + MERGE,
        "may be partly applied", "INVALID indexes");
    assertThat(status.currentRevision).isEqualTo(MERGE);
  }

  @Test
  void howAProcessEndedIsSaid() {
    for (var ending : List.of(ActionResult.Ending.DEADLINE_EXCEEDED,
        ActionResult.Ending.OUT_OF_MEMORY, ActionResult.Ending.INTERRUPTED)) {
      SchemaMigrationStatus status = migrating("a3e2f1b8c9d4", HEAD);
      Outcomes.finished(status, new ActionResult(ending, -1, "", null), rows("a3e2f1b8c9d4"),
          3, NOW);
      assertThat(stalled(status).getMessage()).as(ending.name()).contains(switch (ending) {
        case DEADLINE_EXCEEDED -> "killed at its deadline";
        case OUT_OF_MEMORY -> "out of memory";
        default -> "interrupted";
      }).contains("still at a3e2f1b8c9d4");
    }
    SchemaMigrationStatus status = migrating("a3e2f1b8c9d4", HEAD);
    Outcomes.finished(status, ActionResult.exited(ActionResult.LOCK_TIMEOUT, ""),
        rows("a3e2f1b8c9d4"), 3, NOW);
    assertThat(stalled(status).getMessage()).contains("held this database's migration lock",
        "nothing was run");
  }

  @Test
  void aJobThatNeverRanIsRunAgainAndAnUnreadableDatabaseDefersTheVerdict() {
    SchemaMigrationStatus status = migrating("a3e2f1b8c9d4", HEAD);
    assertThat(Outcomes.finished(status, new ActionResult(ActionResult.Ending.NEVER_RAN, -1, "",
        null), rows("a3e2f1b8c9d4"), 3, NOW).kind()).isEqualTo(Outcomes.Kind.RUN_AGAIN);
    assertThat(status.activeJob).isNull();
    assertThat(status.conditions).isNullOrEmpty();

    status = migrating("a3e2f1b8c9d4", HEAD);
    assertThat(Outcomes.finished(status, ActionResult.exited(0, ""),
        new DatabaseState.Unavailable("cannot reach PostgreSQL"), 3, NOW).kind())
        .isEqualTo(Outcomes.Kind.AWAITING_VERIFICATION);
    assertThat(status.activeJob).as("kept until the rows can be read").isNotNull();
  }

  @Test
  void aFailedMigrationNeverSaysBaseWhenTheDatabaseCannotBeRead() {
    SchemaMigrationStatus status = migrating("a3e2f1b8c9d4", HEAD);
    Outcomes.finished(status, ActionResult.exited(1, FAILED_OUTPUT),
        new DatabaseState.Unavailable("cannot reach PostgreSQL"), 3, NOW);
    assertThat(stalled(status).getMessage()).contains("cannot be read now")
        .doesNotContain("at base");
  }

  @Test
  void aBackupCountsOnlyWithItsDump() {
    SchemaMigrationStatus status = migrating(HEAD, HEAD);
    status.activeJob.action = "backup";
    Outcomes.finished(status, new ActionResult(ActionResult.Ending.EXITED, 0, "", new
        ActionResult.Backup("claim:key/x.dump", 4096, "ab".repeat(32))), rows(HEAD), 3, NOW);
    assertThat(status.lastBackup.revision).isEqualTo(HEAD);
    assertThat(status.lastBackup.generation).isEqualTo(3);

    status = migrating(HEAD, HEAD);
    status.activeJob.action = "backup";
    Outcomes.finished(status, ActionResult.exited(0, "no result line"), rows(HEAD), 3, NOW);
    assertThat(status.lastBackup).isNull();
    assertThat(stalled(status).getReason()).isEqualTo("BackupFailed");
  }

  @Test
  void aVanishedJobIsJudgedFromTheRowsNeverRunAgainOnItsOwn() {
    ActionResult lost = new ActionResult(ActionResult.Ending.LOST, -1, "", null);
    SchemaMigrationStatus reached = migrating("a3e2f1b8c9d4", HEAD);
    assertThat(Outcomes.finished(reached, lost, rows(HEAD), 3, NOW).kind())
        .isEqualTo(Outcomes.Kind.SUCCEEDED);
    assertThat(reached.lastMigration.to).isEqualTo(HEAD);

    SchemaMigrationStatus unknown = migrating("a3e2f1b8c9d4", HEAD);
    Outcomes.finished(unknown, lost, rows("a3e2f1b8c9d4"), 3, NOW);
    assertThat(stalled(unknown).getReason()).isEqualTo("JobLost");
    assertThat(unknown.phase).isEqualTo(Phase.Failed);

    SchemaMigrationStatus seed = migrating(HEAD, HEAD);
    seed.activeJob.action = "seed";
    Outcomes.finished(seed, lost, rows(HEAD), 3, NOW);
    assertThat(stalled(seed).getReason()).as("a seed's rows say nothing").isEqualTo("JobLost");

    SchemaMigrationStatus backup = migrating(HEAD, HEAD);
    backup.activeJob.action = "backup";
    assertThat(Outcomes.finished(backup, lost, rows(HEAD), 3, NOW).kind())
        .isEqualTo(Outcomes.Kind.RUN_AGAIN);
  }
}
