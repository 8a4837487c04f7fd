package dev.vectis.migrations.plan;

import dev.vectis.migrations.api.BackupRecord;
import dev.vectis.migrations.api.MigrationRecord;
import dev.vectis.migrations.api.PendingRevision;
import dev.vectis.migrations.api.Phase;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.api.SeedRecord;
import dev.vectis.migrations.api.SeedWhen;
import dev.vectis.migrations.Sha256;
import dev.vectis.migrations.plan.Decision.State;
import dev.vectis.migrations.policy.Finding;
import dev.vectis.migrations.policy.Linter;
import dev.vectis.migrations.policy.RevisionChanges;
import dev.vectis.migrations.policy.Rule;
import dev.vectis.migrations.policy.Severities;
import dev.vectis.migrations.revision.AlembicCommands;
import dev.vectis.migrations.revision.AlembicError;
import dev.vectis.migrations.revision.MigrationPlan;
import dev.vectis.migrations.revision.Revision;
import dev.vectis.migrations.revision.RevisionGraph;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The decision: from one {@link Observation} to exactly one {@link Action} and what the
 * status must say. Pure: no Kubernetes, no JDBC, no clock, no threads. The operator and local
 * mode both ask it, so they follow the same safety rules.
 */
public final class Decider {
  /** A relative target: resolved once per generation, then kept in status.targetRevision. */
  private static final Pattern RELATIVE = Pattern.compile("^(.+?@)?(\\w+)?[+-]\\d+.*");

  private Decider() {}

  public static Decision decide(Observation observation) {
    SchemaMigrationSpec spec = observation.spec();
    List<String> problems = SpecValidator.problems(spec, false);
    if (!problems.isEmpty()) {
      return stalled(Reason.InvalidSpec, String.join("; ", problems), null, List.of(), null);
    }
    if (observation.runningJobAction() != null) {
      return waitingForJob(observation);
    }
    Decision earlierFailure = stalledForThisGeneration(observation);
    if (earlierFailure != null) {
      return earlierFailure;
    }
    if (observation.database() instanceof DatabaseState.Unavailable unavailable) {
      return new Decision(Action.none(), State.RECONCILING, Phase.Pending,
          Reason.WaitingForDatabase, unavailable.message(), null, List.of(), null);
    }
    if (observation.database() instanceof DatabaseState.Unusable unusable) {
      return stalled(unusable.reason(), unusable.message(), null, List.of(), null);
    }
    List<String> rows = ((DatabaseState.Rows) observation.database()).rows();

    if (observation.specImage() instanceof Inspection.Unknown) {
      return reconciling(new Action.Inspect(spec.image), Phase.Inspecting, Reason.Inspecting,
          "reading the revision graph of " + spec.image, null, List.of(), null);
    }
    if (observation.specImage() instanceof Inspection.Failed failed) {
      return stalled(Reason.InspectionFailed, "cannot read the revision graph of "
          + spec.image + ": " + failed.error(), null, List.of(), null);
    }
    Inspection.Loaded specLoaded = (Inspection.Loaded) observation.specImage();
    RevisionGraph specGraph = specLoaded.graph();
    List<String> heads = specGraph.realHeads();

    String target = alembicTarget(observation);
    List<String> unknownRows = unknownRows(specGraph, rows);
    if (!unknownRows.isEmpty()) {
      return rollBackWithAppliedImage(observation, specGraph, rows, unknownRows, target);
    }
    Decision overlapping = Diagnoses.overlappingRows(specGraph, rows, heads);
    if (overlapping != null) {
      return overlapping;
    }
    Planned planned;
    try {
      planned = plan(specGraph, rows, target);
    } catch (AlembicError error) {
      if (String.valueOf(error.getMessage()).contains("Ambiguous walk")) {
        return stalled(Reason.AmbiguousRevision, ambiguousWalk(specGraph, rows, target), null,
            List.of(), heads);
      }
      return refused(error, spec.image, heads);
    }
    String resolved = resolvedTarget(observation, planned);
    if (rows.isEmpty() && planned.upgrade() && !planned.atTarget()) {
      Decision unstamped = Diagnoses.unstampedSchema(observation.existingTables(), specGraph,
          specLoaded.changes(), pending(specGraph, planned.plan()), resolved, heads);
      if (unstamped != null) {
        unstamped = Diagnoses.withVersionTablesElsewhere(unstamped,
            observation.existingTables(), spec.alembic);
      }
      if (unstamped != null) {
        return unstamped;
      }
    }
    return next(observation, specGraph, specLoaded.changes(), spec.image, rows, planned,
        alembicArgument(observation, planned), resolved, heads);
  }

  // ------------------------------------------------------------------ the path to the target

  /** The plan towards the target: an upgrade if it does anything, else a downgrade. */
  private record Planned(MigrationPlan plan, boolean upgrade, List<String> resolvedTarget) {
    boolean atTarget() {
      return plan.steps().isEmpty();
    }
  }

  private static Planned plan(RevisionGraph graph, List<String> rows, String target) {
    if (isRelative(target) && target.matches("^(.+?@)?[-]\\d+$")) {
      // "-N" and "label@-N" only mean something to downgrade.
      MigrationPlan down = AlembicCommands.downgrade(graph, rows, target);
      return new Planned(down, false, down.resolvedTarget());
    }
    MigrationPlan up = AlembicCommands.upgrade(graph, rows, target);
    if (!up.steps().isEmpty()) {
      return new Planned(up, true, up.resolvedTarget());
    }
    try {
      MigrationPlan down = AlembicCommands.downgrade(graph, rows, target);
      return new Planned(down, false, up.resolvedTarget());
    } catch (AlembicError notBehind) {
      // Upgrading does nothing and downgrading is not possible: the database is there.
      return new Planned(up, true, up.resolvedTarget());
    }
  }

  private static Decision next(Observation observation, RevisionGraph graph,
      Map<String, RevisionChanges> changes, String image, List<String> rows, Planned planned,
      String alembicArgument, String resolved, List<String> heads) {
    SchemaMigrationSpec spec = observation.spec();
    List<PendingRevision> pending = pending(graph, planned.plan());
    Linter.Report nothingPending = new Linter.Report(List.of(), List.of());
    if (planned.atTarget()) {
      if (seedDue(spec, observation.status(), rows)) {
        return reconciling(new Action.Seed(image, rows), Phase.Seeding, Reason.Seeding,
            "running the seed at " + describe(rows), resolved, List.of(), heads)
            .withPolicy(nothingPending);
      }
      return new Decision(Action.none(), State.READY, Phase.Ready, Reason.AtTarget,
          "the database is at " + describe(rows), resolved, List.of(), heads)
          .withPolicy(nothingPending);
    }
    Action.Migrate migrate = new Action.Migrate(planned.upgrade(), alembicArgument, image, rows,
        planned.plan().finalVersionTable(), pending);
    Linter.Report report;
    try {
      report = lint(spec, graph, changes, pending, planned.upgrade());
    } catch (IllegalArgumentException invalid) {
      return stalled(Reason.InvalidSpec, invalid.getMessage(), resolved, pending, heads);
    }
    if (planned.upgrade()) {
      if (report.blocked()) {
        return stalled(Reason.PolicyViolation, policyViolation(report), resolved, pending,
            heads).withPolicy(report);
      }
      Decision rehearsal = rehearsal(observation, migrate, resolved, pending, heads);
      if (rehearsal != null) {
        return rehearsal.withPolicy(report);
      }
      Approvals.Approval approval = approval(observation, migrate, false);
      if (approval != null && !approval.approved()) {
        return awaitingApproval(observation, approval, resolved, pending, heads)
            .withPolicy(report);
      }
      return reconciling(migrate, Phase.Migrating, Reason.Migrating, "upgrading "
          + describe(rows) + " to " + describe(planned.plan().finalVersionTable()) + ": "
          + revisions(pending), resolved, pending, heads).withPolicy(report)
          .withApproval(approval);
    }
    return downgrade(observation, graph, image, rows, planned, migrate, resolved, pending,
        heads, report).withPolicy(report);
  }

  /**
   * A downgrade: refused unless allowed, refused when a pending revision cannot be undone,
   * rehearsed (spec.rehearsal), backed up, then run.
   */
  private static Decision downgrade(Observation observation, RevisionGraph graph, String image,
      List<String> rows, Planned planned, Action.Migrate migrate, String resolved,
      List<PendingRevision> pending, List<String> heads, Linter.Report report) {
    SchemaMigrationSpec spec = observation.spec();
    if (!Boolean.TRUE.equals(spec.downgrade.allow)) {
      return stalled(Reason.DowngradeNotAllowed, "target " + spec.targetRevision
          + " is behind the database (at " + describe(rows) + "); reaching it would undo "
          + revisions(pending) + ". Set spec.downgrade.allow: true to allow it, or change "
          + "spec.targetRevision", resolved, pending, heads);
    }
    List<String> missing = new ArrayList<>();
    for (PendingRevision step : pending) {
      Revision revision = graph.revision(step.revision);
      if (revision.downgradeEmpty() && !revision.upgradeEmpty()) {
        missing.add(describe(step));
      }
    }
    if (!missing.isEmpty()) {
      return stalled(Reason.MissingDowngrade, "cannot downgrade: the downgrade() of "
          + String.join(", ", missing) + " is empty while its upgrade() is not; write the "
          + "downgrade or restore a backup instead", resolved, pending, heads);
    }
    if (report.blocked()) {
      // The policy's missing-downgrade also knows a downgrade() that raises: the same refusal.
      return stalled(Reason.MissingDowngrade, "cannot downgrade: " + policyViolation(report),
          resolved, pending, heads);
    }
    Decision rehearsal = rehearsal(observation, migrate, resolved, pending, heads);
    if (rehearsal != null) {
      return rehearsal;
    }
    boolean backup = !Boolean.FALSE.equals(spec.backup.beforeDowngrade);
    // Approved before the backup: the backup is part of the plan a person approves.
    Approvals.Approval approval = approval(observation, migrate, backup);
    if (approval != null && !approval.approved()) {
      return awaitingApproval(observation, approval, resolved, pending, heads);
    }
    if (backup
        && !freshBackupOf(observation.status().lastBackup, observation.status().lastMigration,
            rows, observation.generation())) {
      return reconciling(new Action.BackUp(rows), Phase.BackingUp, Reason.BackingUp,
          "backing up the database at " + describe(rows) + " before the downgrade", resolved,
          pending, heads).withApproval(approval);
    }
    return reconciling(migrate, Phase.Migrating, Reason.Migrating, "downgrading "
        + describe(rows) + " to " + describe(planned.plan().finalVersionTable()) + " with "
        + image + ": undoing " + revisions(pending), resolved, pending, heads)
        .withApproval(approval);
  }

  // ------------------------------------------------------------------ approvals

  /** The approval {@code migrate} needs (spec.approval), or null when it needs none. */
  private static Approvals.Approval approval(Observation observation, Action.Migrate migrate,
      boolean backup) {
    SchemaMigrationSpec spec = observation.spec();
    if (!Approvals.required(spec, migrate.upgrade())) {
      return null;
    }
    var plan = Approvals.plan(observation.generation(), spec, observation.status(),
        observation.approvalScope(), migrate,
        backup);
    return new Approvals.Approval(plan, plan.planHash.equals(observation.approvedPlan()));
  }

  private static Decision awaitingApproval(Observation observation, Approvals.Approval approval,
      String resolved, List<PendingRevision> pending, List<String> heads) {
    return new Decision(Action.none(), State.AWAITING_APPROVAL, Phase.AwaitingApproval,
        Reason.AwaitingApproval, Approvals.awaitingMessage(observation.spec(), approval.plan(),
        observation.approvedPlan()), resolved, pending, heads).withApproval(approval);
  }

  /**
   * The database is at revisions the spec's image does not know: an older image after a
   * GitOps rollback. The image that migrated it ({@code status.appliedImage}) holds their
   * downgrade code; it runs the downgrade when it knows both the rows and the target, and the
   * downgrade is allowed. Otherwise the stall names the image that knows the rows (the applied
   * image, or one in the graph cache) and how to recover ({@link Diagnoses}).
   */
  private static Decision rollBackWithAppliedImage(Observation observation,
      RevisionGraph specGraph, List<String> rows, List<String> unknownRows, String target) {
    String applied = observation.status().appliedImage;
    String image = observation.spec().image;
    List<String> heads = specGraph.realHeads();
    String unknown = Diagnoses.notInSpecImage(unknownRows, image);
    boolean otherApplied = applied != null && !applied.equals(image);
    if (otherApplied && observation.appliedImage() instanceof Inspection.Unknown) {
      return reconciling(new Action.Inspect(applied), Phase.Inspecting, Reason.Inspecting,
          unknown + "; reading the revision graph of " + applied + ", which migrated it",
          null, List.of(), heads);
    }
    if (otherApplied && observation.appliedImage() instanceof Inspection.Failed failed) {
      return stalled(Reason.InspectionFailed, unknown + ", and the revision graph of "
          + applied + " cannot be read: " + failed.error(), null, List.of(), heads);
    }
    // What the target means in the spec's image, e.g. its head (null when it means nothing).
    List<String> targetRows = null;
    AlembicError targetError = null;
    try {
      targetRows = AlembicCommands.upgrade(specGraph, List.of(), target).finalVersionTable();
    } catch (AlembicError error) {
      targetError = error;
    }
    RevisionGraph appliedGraph = otherApplied
        ? ((Inspection.Loaded) observation.appliedImage()).graph() : null;
    if (appliedGraph == null || !unknownRows(appliedGraph, rows).isEmpty()) {
      return Diagnoses.unknownToTheAppliedImage(observation, specGraph, rows, unknownRows,
          targetRows, heads);
    }
    if (targetError != null) {
      return refused(targetError, image, heads);
    }
    if (targetRows.size() > 1 || !unknownRows(appliedGraph, targetRows).isEmpty()) {
      return stalled(Reason.UnknownRevision, Diagnoses.appliedCannotReach(unknown, applied,
          targetRows, observation.spec()), describe(targetRows), List.of(), heads);
    }
    String rollbackTarget = targetRows.isEmpty() ? "base" : targetRows.get(0);
    MigrationPlan down;
    try {
      down = AlembicCommands.downgrade(appliedGraph, rows, rollbackTarget);
    } catch (AlembicError error) {
      if (error.getMessage().startsWith("Destination")) {
        // The target is not behind the rows (another branch): no downgrade reaches it.
        return stalled(Reason.UnknownRevision, Diagnoses.appliedCannotReach(unknown, applied,
            targetRows, observation.spec()), describe(targetRows), List.of(), heads);
      }
      return refused(error, applied, heads);
    }
    if (!Boolean.TRUE.equals(observation.spec().downgrade.allow)) {
      List<PendingRevision> pending = pending(appliedGraph, down);
      List<String> missing = new ArrayList<>();
      for (PendingRevision step : pending) {
        Revision revision = appliedGraph.revision(step.revision);
        if (revision.downgradeEmpty() && !revision.upgradeEmpty()) {
          missing.add(describe(step));
        }
      }
      return stalled(Reason.DowngradeNotAllowed, Diagnoses.rollbackNotAllowed(unknown, applied,
          rows, targetRows, revisions(pending), missing, observation.spec()), String.join(",",
          targetRows), pending, heads);
    }
    Planned planned = new Planned(down, false, targetRows);
    return next(observation, appliedGraph,
        ((Inspection.Loaded) observation.appliedImage()).changes(), applied, rows, planned,
        rollbackTarget, String.join(",", targetRows), heads);
  }

  // ------------------------------------------------------------------ guardrails

  /** Findings shown in a message before "+N more". */
  private static final int MESSAGE_FINDINGS = 1;

  /**
   * The lint of the revisions the plan runs (issue 13): the defaults with spec.policy.rules
   * over them. An upgrade runs the pending revisions' upgrade(), so every rule applies. A
   * downgrade runs their downgrade(): only missing-downgrade judges that (the other rules
   * judge upgrade() and the history), so only its findings are kept. multiple-heads is left to
   * the target (see below).
   *
   * @throws IllegalArgumentException naming spec.policy.rules when a rule or severity is wrong
   */
  static Linter.Report lint(SchemaMigrationSpec spec, RevisionGraph graph,
      Map<String, RevisionChanges> changes, List<PendingRevision> pending, boolean upgrade) {
    Severities severities = Severities.of(spec.policy);
    List<String> checked = pending.stream().map(step -> step.revision).toList();
    // Files as the inspection names them: relative to spec.alembic.workingDir.
    Linter.Report report = new Linter(severities, "").lint(graph, changes, checked);
    // Several heads are the target's business here: `head` is refused by Alembic's own
    // semantics (MultipleHeads), `heads` or `<label>@head` says the branches are meant.
    List<Finding> kept = report.findings().stream()
        .filter(finding -> !Rule.MULTIPLE_HEADS.id().equals(finding.rule()))
        .filter(finding -> upgrade || Rule.MISSING_DOWNGRADE.id().equals(finding.rule()))
        .toList();
    return new Linter.Report(report.checked(), kept);
  }

  /** The deny findings, the first named in full: rule, revision, file:line, message. */
  static String policyViolation(Linter.Report report) {
    List<Finding> denied = report.findings().stream().filter(Finding::blocks).toList();
    Finding first = denied.get(0);
    StringBuilder message = new StringBuilder("rule ").append(first.rule())
        .append(" in revision ").append(first.revision()).append(" at ")
        .append(first.location()).append(": ").append(first.message());
    if (denied.size() > MESSAGE_FINDINGS) {
      message.append(" (+").append(denied.size() - MESSAGE_FINDINGS).append(" more deny "
          + "finding").append(denied.size() - MESSAGE_FINDINGS == 1 ? "" : "s")
          .append(" in status.policy)");
    }
    // Every finding kept here names its revision (multiple-heads is left to the target).
    message.append(". Fix the revision and build a new image, waive it there with `# "
        + "schema-migration: allow ").append(first.rule()).append(" -- <why it is safe>`, "
        + "or set spec.policy.rules.").append(first.rule()).append(": warn");
    return message.toString();
  }

  /**
   * The rehearsal of {@code migrate} on the scratch database, when spec.rehearsal asks for one
   * and this plan has not been rehearsed yet; null when none is due.
   */
  private static Decision rehearsal(Observation observation, Action.Migrate migrate,
      String resolved, List<PendingRevision> pending, List<String> heads) {
    SchemaMigrationSpec spec = observation.spec();
    if (spec.rehearsal == null || spec.rehearsal.databaseSecretRef == null) {
      return null;
    }
    String plan = rehearsalPlan(migrate.image(), migrate.direction(), migrate.from(),
        migrate.expectedRows(), migrate.alembicTarget());
    SchemaMigrationStatus status = observation.status();
    if (status.lastRehearsal != null && plan.equals(status.lastRehearsal.plan)) {
      return null;
    }
    if (observation.scratchDatabase() instanceof DatabaseState.Unavailable unavailable) {
      return new Decision(Action.none(), State.RECONCILING, Phase.Rehearsing,
          Reason.WaitingForDatabase, "the rehearsal's scratch database cannot be used yet: "
          + unavailable.message(), resolved, pending, heads);
    }
    if (observation.scratchDatabase() instanceof DatabaseState.Unusable unusable) {
      return stalled(unusable.reason(), unusable.message(), resolved, pending, heads);
    }
    return reconciling(new Action.Rehearse(migrate, plan), Phase.Rehearsing, Reason.Rehearsing,
        "rehearsing alembic " + migrate.direction() + " " + migrate.alembicTarget() + " (and "
        + "back to " + describe(migrate.from()) + ", and again) on the scratch database "
        + spec.rehearsal.databaseSecretRef.name + ": " + revisions(pending), resolved,
        pending, heads);
  }

  /** The key of a rehearsed plan (status.lastRehearsal.plan). */
  public static String rehearsalPlan(String image, String direction, List<String> from,
      List<String> to, String target) {
    return Sha256.hex(image + "\n" + direction + "\n" + String.join(",", from) + "\n"
        + String.join(",", to) + "\n" + target).substring(0, 16);
  }

  // ------------------------------------------------------------------ targets

  /**
   * The argument for alembic: the spec's target, except that a relative one is replaced, once
   * per generation, by the revision it resolved to (so a resync never applies "+1" again).
   */
  private static String alembicTarget(Observation observation) {
    String target = observation.spec().targetRevision == null ? "head"
        : observation.spec().targetRevision;
    SchemaMigrationStatus status = observation.status();
    if (isRelative(target) && status.observedGeneration != null
        && status.observedGeneration == observation.generation()
        && status.targetRevision != null) {
      return status.targetRevision.isEmpty() ? "base" : status.targetRevision;
    }
    return target;
  }

  private static String alembicArgument(Observation observation, Planned planned) {
    String target = alembicTarget(observation);
    if (!isRelative(target)) {
      return target;
    }
    List<String> resolved = planned.resolvedTarget();
    return resolved.isEmpty() ? "base" : resolved.get(0);
  }

  private static String resolvedTarget(Observation observation, Planned planned) {
    SchemaMigrationStatus status = observation.status();
    String spec = observation.spec().targetRevision == null ? "head"
        : observation.spec().targetRevision;
    if (isRelative(spec) && status.observedGeneration != null
        && status.observedGeneration == observation.generation()
        && status.targetRevision != null) {
      return status.targetRevision;
    }
    return String.join(",", planned.resolvedTarget());
  }

  static boolean isRelative(String target) {
    return RELATIVE.matcher(target).matches();
  }

  // ------------------------------------------------------------------ refusals

  /**
   * Alembic's "Ambiguous walk" (+N or -N at a branch point), with what would work instead: the
   * revisions the walk could take, by id and by branch label.
   */
  static String ambiguousWalk(RevisionGraph graph, List<String> rows, String target) {
    String step = target.substring(target.lastIndexOf('@') + 1);
    boolean down = step.startsWith("-");
    List<String> choices = new ArrayList<>();
    if (down) {
      // The first merge below a row: one of its parents, by id (label@-N is as ambiguous).
      for (String row : rows) {
        Revision revision = graph.revision(row);
        while (revision != null && revision.downRevisions().size() == 1) {
          revision = graph.revision(revision.downRevisions().get(0));
        }
        if (revision != null) {
          revision.downRevisions().stream().filter(id -> !choices.contains(id))
              .forEach(choices::add);
        }
      }
      return "spec.targetRevision " + target + " meets a merge point, where Alembic cannot "
          + "choose (Ambiguous walk); say which parent: " + String.join("; ", choices)
          + " (a revision id)";
    }
    for (Revision revision : graph.revisions()) {
      boolean candidate = rows.isEmpty() ? revision.downRevisions().isEmpty()
          : revision.downRevisions().stream().anyMatch(rows::contains);
      if (candidate) {
        choices.add(revision.id() + revision.branchLabels().stream()
            .map(label -> " or " + label + "@" + step).reduce("", String::concat));
      }
    }
    return "spec.targetRevision " + target + " meets a branch point, where Alembic cannot "
        + "choose (Ambiguous walk); say which branch: " + String.join("; ", choices)
        + " (a revision id, or <branch label>@" + step + ")";
  }

  private static Decision refused(AlembicError error, String image, List<String> heads) {
    String message = error.getMessage();
    if (message.startsWith("Multiple head revisions are present")) {
      return stalled(Reason.MultipleHeads, "the scripts of " + image + " have several heads ("
          + String.join(", ", heads) + "), so the target is ambiguous: run `alembic merge heads "
          + "-m \"merge_branches\"` in the project and build a new image, or set "
          + "spec.targetRevision to heads or <label>@head. Alembic: " + message, null,
          List.of(), heads);
    }
    if (message.startsWith("Can't locate revision identified by")) {
      boolean ambiguous = error.detail() != null
          && error.detail().startsWith("Multiple revisions start with");
      return stalled(ambiguous ? Reason.AmbiguousRevision : Reason.UnknownRevision,
          (ambiguous ? "" : "the scripts of " + image + " do not contain it: ") + error.detail()
              + " (Alembic: " + message + ")", null, List.of(), heads);
    }
    if (message.contains("overlaps with other requested revision")) {
      // The rows come from the database; the spec cannot have caused this. (Rows that overlap
      // through the graph are diagnosed before planning; this is Alembic's own word for it.)
      return stalled(Reason.OverlappingVersionRows, "the version table holds revisions where "
          + "one is an ancestor of another, which Alembic never writes (Alembic: " + message
          + "). Find the revision the schema really matches and set the table to it with "
          + "`alembic stamp --purge <revision>`; the operator never stamps on its own", null,
          List.of(), heads);
    }
    return stalled(Reason.InvalidSpec, "spec.targetRevision: Alembic refuses it: " + message,
        null, List.of(), heads);
  }

  // ------------------------------------------------------------------ what earlier steps did

  private static Decision waitingForJob(Observation observation) {
    String action = observation.runningJobAction();
    SchemaMigrationStatus status = observation.status();
    String job = status.activeJob == null ? "" : " " + status.activeJob.name;
    return switch (action) {
      case "inspect" -> reconciling(Action.none(), Phase.Inspecting, Reason.Inspecting,
          "waiting for the inspection Job" + job, status.targetRevision, status.pending,
          status.heads);
      case "backup" -> reconciling(Action.none(), Phase.BackingUp, Reason.BackingUp,
          "waiting for the backup Job" + job, status.targetRevision, status.pending,
          status.heads);
      case "rehearse" -> reconciling(Action.none(), Phase.Rehearsing, Reason.Rehearsing,
          "waiting for the rehearsal Job" + job, status.targetRevision, status.pending,
          status.heads);
      case "seed" -> reconciling(Action.none(), Phase.Seeding, Reason.Seeding,
          "waiting for the seed Job" + job, status.targetRevision, status.pending, status.heads);
      default -> reconciling(Action.none(), Phase.Migrating, Reason.Migrating,
          "waiting for the migration Job" + job, status.targetRevision, status.pending,
          status.heads);
    };
  }

  /** A failure recorded for this generation stays until the spec changes (retryToken too). */
  private static Decision stalledForThisGeneration(Observation observation) {
    SchemaMigrationStatus status = observation.status();
    if (status.observedGeneration == null || status.observedGeneration != observation.generation()
        || status.conditions == null) {
      return null;
    }
    for (Condition condition : status.conditions) {
      Reason reason = Reason.parse(condition.getReason());
      if (StatusWriter.STALLED.equals(condition.getType()) && "True".equals(condition.getStatus())
          && reason != null && reason.isFailureOfAnAction()) {
        return stalled(reason, condition.getMessage(), status.targetRevision, status.pending,
            status.heads);
      }
    }
    return null;
  }

  /**
   * A backup of these rows taken for this generation, that no migration has left since: one
   * from these rows that started after it means the database was moved back to them later,
   * with whatever was written since, which that dump does not hold.
   */
  private static boolean freshBackupOf(BackupRecord backup, MigrationRecord lastMigration,
      List<String> rows, long generation) {
    return backup != null && backup.generation != null && backup.generation == generation
        && sameRows(split(backup.revision), rows)
        && !(lastMigration != null && lastMigration.startedAt != null
            && backup.completedAt != null
            && sameRows(split(lastMigration.from), split(backup.revision))
            && lastMigration.startedAt.compareTo(backup.completedAt) >= 0);
  }

  /**
   * The seed runs after the migration that brought the database to its rows (an upgrade, or
   * any migration with {@code when: Always}) and only once for it.
   */
  static boolean seedDue(SchemaMigrationSpec spec, SchemaMigrationStatus status,
      List<String> rows) {
    if (spec.seed == null || spec.seed.command == null || spec.seed.command.isEmpty()
        || spec.seed.when == SeedWhen.Never) {
      return false;
    }
    MigrationRecord migration = status.lastMigration;
    if (migration == null || !sameRows(split(migration.to), rows)) {
      return false;
    }
    if (spec.seed.when == SeedWhen.AfterUpgrade && !"upgrade".equals(migration.direction)) {
      return false;
    }
    SeedRecord seed = status.lastSeed;
    return seed == null || !sameRows(split(seed.revision), rows) || seed.completedAt == null
        || (migration.completedAt != null && seed.completedAt.compareTo(migration.completedAt) < 0);
  }

  // ------------------------------------------------------------------ helpers

  static List<String> unknownRows(RevisionGraph graph, List<String> rows) {
    List<String> unknown = new ArrayList<>();
    for (String row : rows) {
      if (graph.revision(row) == null) {
        unknown.add(row);
      }
    }
    return unknown;
  }

  static List<PendingRevision> pending(RevisionGraph graph, MigrationPlan plan) {
    List<PendingRevision> pending = new ArrayList<>();
    for (MigrationPlan.Step step : plan.steps()) {
      pending.add(new PendingRevision(step.revision(),
          graph.revision(step.revision()).message()));
    }
    return pending;
  }

  public static boolean sameRows(List<String> a, List<String> b) {
    return a.size() == b.size() && new HashSet<>(a).equals(new HashSet<>(b));
  }

  /** "a,b" → [a, b]; "" or null → []. */
  public static List<String> split(String joined) {
    if (joined == null || joined.isEmpty()) {
      return List.of();
    }
    return List.of(joined.split(","));
  }

  public static String describe(List<String> rows) {
    return rows.isEmpty() ? "base" : String.join(", ", rows);
  }

  private static String describe(PendingRevision revision) {
    return revision.revision + (revision.message == null || revision.message.isEmpty() ? ""
        : " (" + revision.message + ")");
  }

  static String revisions(List<PendingRevision> pending) {
    List<String> described = new ArrayList<>();
    for (PendingRevision revision : pending) {
      described.add(describe(revision));
    }
    return String.join(", ", described);
  }

  private static Decision reconciling(Action action, Phase phase, Reason reason, String message,
      String resolved, List<PendingRevision> pending, List<String> heads) {
    return new Decision(action, State.RECONCILING, phase, reason, message, resolved, pending,
        heads);
  }

  static Decision stalled(Reason reason, String message, String resolved,
      List<PendingRevision> pending, List<String> heads) {
    Phase phase = reason.isFailureOfAnAction() ? Phase.Failed : Phase.Blocked;
    return new Decision(Action.none(), State.STALLED, phase, reason, message, resolved, pending,
        heads);
  }
}
