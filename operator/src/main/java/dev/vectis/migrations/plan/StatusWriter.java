package dev.vectis.migrations.plan;

import dev.vectis.migrations.api.ActiveJob;
import dev.vectis.migrations.api.ApprovalRecord;
import dev.vectis.migrations.api.BackupRecord;
import dev.vectis.migrations.api.MigrationRecord;
import dev.vectis.migrations.api.PendingPlan;
import dev.vectis.migrations.api.Phase;
import dev.vectis.migrations.api.PolicyFinding;
import dev.vectis.migrations.api.PolicyStatus;
import dev.vectis.migrations.api.RehearsalRecord;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.api.SeedRecord;
import dev.vectis.migrations.plan.Decision.State;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * How decisions and the results of actions change the status: kstatus conditions
 * ({@code Ready}, {@code Reconciling}, {@code Stalled}, each with observedGeneration), the
 * resolved target, and the records of backups, migrations and seeds. Pure; the time is given.
 * Every method returns the transitions worth an Event ("Stalled/DowngradeNotAllowed: ...").
 */
public final class StatusWriter {
  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";
  /** The transition type of a new set of lint findings (an Event of type Warning). */
  public static final String POLICY = "Policy";
  /** Findings kept in status.policy.findings; status.policy.total counts them all. */
  public static final int MAX_FINDINGS = 20;

  private StatusWriter() {}

  /** Writes a decision: phase, conditions, target, pending revisions, heads. */
  public static List<String> apply(SchemaMigrationStatus status, Decision decision,
      long generation, List<String> currentRows, String now) {
    if (status.observedGeneration == null || status.observedGeneration != generation) {
      // A new generation resolves its own target; never reuse the previous one.
      status.targetRevision = decision.resolvedTarget();
    } else if (decision.resolvedTarget() != null) {
      status.targetRevision = decision.resolvedTarget();
    }
    status.observedGeneration = generation;
    status.phase = decision.phase();
    if (currentRows != null) {
      status.currentRevision = String.join(",", currentRows);
    }
    status.pending = decision.pending().isEmpty() ? null : new ArrayList<>(decision.pending());
    if (decision.heads() != null) {
      status.heads = new ArrayList<>(decision.heads());
    }
    List<String> transitions = new ArrayList<>();
    approval(status, decision.approval(), now).ifPresent(transitions::add);
    if (decision.policy() != null) {
      policy(status, decision.policy()).ifPresent(transitions::add);
    }
    transitions.addAll(setConditions(status, decision.state(), decision.reason(),
        decision.message(), generation, now));
    return transitions;
  }

  /**
   * Writes the lint findings (at most {@value #MAX_FINDINGS}, deny first); a set of findings
   * different from the one before is worth one Event, however often it is decided again.
   */
  static java.util.Optional<String> policy(SchemaMigrationStatus status,
      dev.vectis.migrations.policy.Linter.Report report) {
    List<dev.vectis.migrations.policy.Finding> all = report.findings().stream()
        .sorted(Comparator.comparing((dev.vectis.migrations.policy.Finding f) -> !f.blocks()))
        .toList();
    if (all.isEmpty()) {
      status.policy = null;
      return java.util.Optional.empty();
    }
    PolicyStatus policy = new PolicyStatus();
    policy.findings = new ArrayList<>();
    for (var finding : all.subList(0, Math.min(MAX_FINDINGS, all.size()))) {
      PolicyFinding written = new PolicyFinding();
      written.rule = finding.rule();
      written.severity = finding.severity();
      written.revision = finding.revision();
      written.file = finding.file();
      written.line = finding.line();
      written.message = finding.message();
      written.waived = finding.waived();
      policy.findings.add(written);
    }
    policy.total = all.size();
    policy.denied = (int) all.stream().filter(dev.vectis.migrations.policy.Finding::blocks)
        .count();
    policy.checked = new ArrayList<>(report.checked());
    boolean same = status.policy != null && Objects.equals(status.policy.total, policy.total)
        && sameFindings(status.policy.findings, policy.findings);
    status.policy = policy;
    if (same) {
      return java.util.Optional.empty();
    }
    var first = all.get(0);
    long warned = all.stream().filter(f -> !f.blocks() && f.waived() == null).count();
    long waived = all.stream().filter(f -> f.waived() != null).count();
    return java.util.Optional.of(POLICY + "/PolicyFindings: " + all.size() + " lint finding"
        + (all.size() == 1 ? "" : "s") + " in the pending revisions (" + policy.denied
        + " deny, " + warned + " warn, " + waived + " waived): " + first.rule() + " ("
        + first.severity() + (first.waived() != null ? ", waived" : "") + ") at "
        + first.location() + ": " + first.message()
        + (all.size() > 1 ? " (+" + (all.size() - 1) + " more in status.policy)" : ""));
  }

  private static boolean sameFindings(List<PolicyFinding> a, List<PolicyFinding> b) {
    if (a == null || a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      PolicyFinding x = a.get(i);
      PolicyFinding y = b.get(i);
      if (!Objects.equals(x.rule, y.rule) || !Objects.equals(x.severity, y.severity)
          || !Objects.equals(x.revision, y.revision) || !Objects.equals(x.file, y.file)
          || !Objects.equals(x.line, y.line) || !Objects.equals(x.message, y.message)
          || !Objects.equals(x.waived, y.waived)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Shows the plan waiting for approval in status.pendingPlan (since when it waits, kept while
   * the plan stays the same), or records the approval of the plan about to run, once.
   */
  static java.util.Optional<String> approval(SchemaMigrationStatus status,
      Approvals.Approval approval, String now) {
    if (approval == null || approval.approved()) {
      status.pendingPlan = null;
    }
    if (approval == null) {
      return java.util.Optional.empty();
    }
    if (!approval.approved()) {
      PendingPlan waiting = approval.plan();
      boolean same = status.pendingPlan != null
          && waiting.planHash.equals(status.pendingPlan.planHash);
      waiting.since = same && status.pendingPlan.since != null ? status.pendingPlan.since : now;
      status.pendingPlan = waiting;
      return java.util.Optional.empty();
    }
    if (status.lastApproval != null && approval.planHash().equals(status.lastApproval.planHash)) {
      return java.util.Optional.empty();
    }
    ApprovalRecord record = new ApprovalRecord();
    record.planHash = approval.planHash();
    record.approvedAt = now;
    status.lastApproval = record;
    PendingPlan plan = approval.plan();
    return java.util.Optional.of("Normal/Approved: plan " + plan.planHash + " (" + plan.direction
        + " of " + Decider.describe(Decider.split(plan.from)) + " to "
        + Decider.describe(Decider.split(plan.to)) + " with " + plan.image + ") is approved "
        + "and runs");
  }

  /** A rehearsal succeeded: its plan is not rehearsed again. */
  public static void rehearsed(SchemaMigrationStatus status, ActiveJob active, String now) {
    RehearsalRecord record = new RehearsalRecord();
    record.plan = Decider.rehearsalPlan(active.image, active.direction,
        Decider.split(active.from), Decider.split(active.to), active.target);
    record.image = active.image;
    record.direction = active.direction;
    record.from = active.from;
    record.to = active.to;
    record.job = active.name;
    record.completedAt = now;
    status.lastRehearsal = record;
    status.activeJob = null;
  }

  /** An action's failure: Stalled with the reason, kept until the generation changes. */
  public static List<String> failed(SchemaMigrationStatus status, Reason reason, String message,
      long generation, String now) {
    status.activeJob = null;
    status.observedGeneration = generation;
    status.phase = Phase.Failed;
    return setConditions(status, State.STALLED, reason, message, generation, now);
  }

  /**
   * The operator's own failure: Reconciling while it retries, Stalled when it has stopped
   * retrying. The rest of the status is left as it was last written.
   */
  public static List<String> reconcileError(SchemaMigrationStatus status, String message,
      boolean retriesExhausted, long generation, String now) {
    return setConditions(status, retriesExhausted ? State.STALLED : State.RECONCILING,
        Reason.ReconcileError, "the operator failed: " + message
            + (retriesExhausted ? " (retried; tried again in 5 minutes or on a change)"
                : " (retrying)"), generation, now);
  }

  /**
   * Before an action's Job is created (so a restarted operator adopts it): what the Job does,
   * enough to record its result without deciding again.
   */
  public static void started(SchemaMigrationStatus status, String job, Action action,
      String now) {
    started(status, job, action, null, now);
  }

  /** @param approval what the decision said about approval, or null */
  public static void started(SchemaMigrationStatus status, String job, Action action,
      Approvals.Approval approval, String now) {
    ActiveJob active = new ActiveJob();
    active.name = job;
    active.startedAt = now;
    active.planHash = approval != null && approval.approved() ? approval.planHash() : null;
    if (action instanceof Action.Inspect inspect) {
      active.action = "inspect";
      active.image = inspect.image();
    } else if (action instanceof Action.BackUp backUp) {
      active.action = "backup";
      active.from = String.join(",", backUp.rows());
    } else if (action instanceof Action.Migrate migrate) {
      active.action = "migrate";
      active.image = migrate.image();
      active.from = String.join(",", migrate.from());
      active.to = String.join(",", migrate.expectedRows());
      active.direction = migrate.direction();
      active.target = migrate.alembicTarget();
    } else if (action instanceof Action.Rehearse rehearse) {
      Action.Migrate migrate = rehearse.migrate();
      active.action = "rehearse";
      active.image = migrate.image();
      active.from = String.join(",", migrate.from());
      active.to = String.join(",", migrate.expectedRows());
      active.direction = migrate.direction();
      active.target = migrate.alembicTarget();
    } else if (action instanceof Action.Seed seed) {
      active.action = "seed";
      active.image = seed.image();
      active.from = String.join(",", seed.rows());
    }
    status.activeJob = active;
  }

  public static void backedUp(SchemaMigrationStatus status, String location, long sizeBytes,
      String sha256, List<String> rows, long generation, String now) {
    BackupRecord backup = new BackupRecord();
    backup.location = location;
    backup.revision = String.join(",", rows);
    backup.sizeBytes = sizeBytes;
    backup.sha256 = sha256;
    backup.completedAt = now;
    backup.generation = generation;
    status.lastBackup = backup;
    status.activeJob = null;
  }

  /**
   * A migration ran to its end: the rows read back afterwards must be the ones planned, or
   * the status says VerificationFailed.
   */
  public static List<String> migrated(SchemaMigrationStatus status, Action.Migrate migrate,
      String job, String startedAt, List<String> rowsAfter, long generation, String now) {
    status.activeJob = null;
    status.currentRevision = String.join(",", rowsAfter);
    if (!Decider.sameRows(rowsAfter, migrate.expectedRows())) {
      return failed(status, Reason.VerificationFailed, "after alembic " + migrate.direction()
          + " " + migrate.alembicTarget() + " the version table holds "
          + Decider.describe(rowsAfter) + ", expected " + Decider.describe(migrate.expectedRows()),
          generation, now);
    }
    MigrationRecord record = new MigrationRecord();
    record.from = String.join(",", migrate.from());
    record.to = String.join(",", rowsAfter);
    record.direction = migrate.direction();
    record.image = migrate.image();
    record.job = job;
    record.startedAt = startedAt;
    record.completedAt = now;
    status.lastMigration = record;
    status.appliedImage = migrate.image();
    status.pending = null;
    return List.of();
  }

  public static void seeded(SchemaMigrationStatus status, List<String> rows, String now) {
    SeedRecord seed = new SeedRecord();
    seed.revision = String.join(",", rows);
    seed.completedAt = now;
    status.lastSeed = seed;
    status.activeJob = null;
  }

  private static List<String> setConditions(SchemaMigrationStatus status, State state,
      Reason reason, String message, long generation, String now) {
    List<String> transitions = new ArrayList<>();
    boolean ready = state == State.READY;
    if (state == State.AWAITING_APPROVAL) {
      // No condition is True while a plan waits: one Event per plan that begins to wait.
      Condition before = condition(status, READY);
      if (before == null || !reason.name().equals(before.getReason())
          || !message.equals(before.getMessage())) {
        transitions.add(READY + "/" + reason + ": " + message);
      }
    }
    set(status, READY, ready, reason, message, generation, now, transitions);
    set(status, RECONCILING, state == State.RECONCILING, reason, message, generation, now,
        transitions);
    set(status, STALLED, state == State.STALLED, reason, message, generation, now, transitions);
    return transitions;
  }

  private static void set(SchemaMigrationStatus status, String type, boolean value,
      Reason reason, String message, long generation, String now, List<String> transitions) {
    if (status.conditions == null) {
      status.conditions = new ArrayList<>();
    }
    Condition condition = condition(status, type);
    String statusText = value ? "True" : "False";
    if (condition == null) {
      condition = new Condition();
      condition.setType(type);
      status.conditions.add(condition);
    }
    boolean changed = !statusText.equals(condition.getStatus());
    boolean newsworthy = value && (changed || !reason.name().equals(condition.getReason()));
    if (changed || condition.getLastTransitionTime() == null) {
      condition.setLastTransitionTime(now);
    }
    condition.setStatus(statusText);
    // Ready=False carries the reason of what holds it back, so `kubectl get` shows it.
    condition.setReason(reason.name());
    condition.setMessage(message);
    condition.setObservedGeneration(generation);
    if (newsworthy) {
      transitions.add(type + "/" + reason + ": " + message);
    }
  }

  private static Condition condition(SchemaMigrationStatus status, String type) {
    Condition found = null;
    for (Condition existing : status.conditions == null ? List.<Condition>of()
        : status.conditions) {
      if (type.equals(existing.getType())) {
        found = existing;
      }
    }
    return found;
  }
}
