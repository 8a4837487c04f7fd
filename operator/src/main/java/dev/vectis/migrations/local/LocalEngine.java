package dev.vectis.migrations.local;

import dev.vectis.migrations.api.PendingRevision;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.database.AdvisoryLock;
import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.database.DatabaseProblem;
import dev.vectis.migrations.database.ExistingTables;
import dev.vectis.migrations.database.SecretMasker;
import dev.vectis.migrations.database.VersionTableReader;
import dev.vectis.migrations.jobs.JobFactory;
import dev.vectis.migrations.jobs.LockedCommand;
import dev.vectis.migrations.plan.Action;
import dev.vectis.migrations.plan.ActionResult;
import dev.vectis.migrations.plan.DatabaseState;
import dev.vectis.migrations.plan.Decider;
import dev.vectis.migrations.plan.Decision;
import dev.vectis.migrations.plan.Diagnoses;
import dev.vectis.migrations.plan.Inspection;
import dev.vectis.migrations.plan.Observation;
import dev.vectis.migrations.plan.Outcomes;
import dev.vectis.migrations.plan.Reason;
import dev.vectis.migrations.plan.StatusWriter;
import dev.vectis.migrations.revision.InspectionScript;
import io.fabric8.kubernetes.api.model.Condition;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The operator's engine without Kubernetes: the same observation, the same decision, the same
 * meaning of a finished action ({@link Outcomes}) and the same status, with each action run
 * as a local process (the inspection script, alembic and the seed under the migration lock,
 * the backup script) instead of a Job, and the status saved in a {@link LocalState} file
 * instead of the API server.
 */
public final class LocalEngine {
  private static final int MAX_ACTIONS = 20;
  /**
   * @param projectDir stands for the image's file system (see {@link LocalPaths})
   * @param backupDir the database's dump directory
   * @param state where the status is kept between runs (null: kept in memory only)
   * @param python the Python with Alembic (inspection, migration lock, a "python" seed)
   * @param alembic replaces {@code spec.alembic.command[0]} when not null
   */
  public record Options(Path projectDir, Path backupDir, LocalState state, String python,
      String alembic, Path pgDump, boolean dryRun, PrintStream out) {}

  /** How a run ended: the status, the last decision, and the process exit code. */
  public record Outcome(SchemaMigrationStatus status, Decision decision, int exitCode) {}

  private final SchemaMigration resource;
  private final SchemaMigrationSpec spec;
  private final ConnectionSettings database;
  private final SecretMasker masker;
  private final Options options;
  private final Clock clock;
  private final LocalState.Saved saved;
  private final long generation;
  /** The plan a person approved on the command line (spec.approval), or null. */
  private String approvedPlan;
  private final SchemaMigrationStatus status;
  private final Path alembicDir;
  private final Path seedDir;
  private Inspection inspection = Inspection.unknown();
  /** spec.rehearsal was set: said once, then ignored (local mode has the rehearse command). */
  private final boolean rehearsalSkipped;

  /** The schema the version table resolved to at the last observation. */
  private String versionTableSchema = "";

  public LocalEngine(SchemaMigration resource, ConnectionSettings database, Options options,
      Clock clock) {
    this.resource = resource;
    this.spec = resource.getSpec();
    this.database = database;
    this.masker = database.masker();
    this.options = options;
    this.clock = clock;
    this.saved = options.state() == null ? fresh() : options.state().load(spec);
    this.generation = saved.generation;
    this.status = saved.status;
    // The rehearsal Job needs a cluster; locally, `rehearse` rehearses every revision.
    this.rehearsalSkipped = spec.rehearsal != null;
    spec.rehearsal = null;
    this.alembicDir = LocalPaths.alembicDir(options.projectDir(), spec);
    this.seedDir = LocalPaths.resolve(options.projectDir(), spec.seed.workingDir,
        "spec.seed.workingDir");
  }

  private static LocalState.Saved fresh() {
    LocalState.Saved fresh = new LocalState.Saved();
    fresh.generation = 1;
    fresh.status = new SchemaMigrationStatus();
    return fresh;
  }

  /** Approves the plan with this hash (migrate --approve), as the annotation does. */
  public LocalEngine approving(String planHash) {
    this.approvedPlan = planHash;
    return this;
  }

  /** Observes and decides once; changes nothing (the {@code status} command). */
  public Outcome inspectOnly() {
    inspection = inspect();
    Decision decision = observeAndDecide();
    return new Outcome(status, decision, decision.state() == Decision.State.STALLED ? 1 : 0);
  }

  /** Runs actions until the database is at its target, or a person must act. */
  public Outcome migrate() {
    Interruption.install();
    if (Interruption.requested()) {
      return interrupted(null, null); // e.g. while the embedded PostgreSQL started
    }
    Instant started = clock.instant();
    Outcome outcome = runActions();
    say("    (" + elapsed(started) + " in all)");
    return outcome;
  }

  /**
   * Runs the seed alone at the database's revision (the {@code seed} command): under the
   * migration lock, recorded in the status as the operator records a seed.
   */
  public Outcome seed() {
    if (spec.seed.command == null || spec.seed.command.isEmpty()) {
      throw new IllegalArgumentException("spec.seed.command is empty: there is no seed to run");
    }
    Interruption.install();
    try {
      inspection = inspect(); // for a true status after the seed
      DatabaseState state = readDatabase();
      if (!(state instanceof DatabaseState.Rows rows)) {
        Decision decision = observeAndDecide();
        say("==> the seed cannot run: " + decision.message());
        return new Outcome(status, decision, 1);
      }
      String at = rows.rows().isEmpty() ? "base" : String.join(", ", rows.rows());
      Action.Seed seed = new Action.Seed(spec.image, rows.rows());
      if (options.dryRun()) {
        say("==> (dry run) the seed would run at " + at + ": " + String.join(" ",
            seedCommand()));
        return new Outcome(status, observeAndDecide(), 0);
      }
      say("==> running the seed at " + at);
      StatusWriter.started(status, jobName(seed), seed, now());
      save();
      ActionResult result = run(seed);
      if (Interruption.requested() && !result.succeeded()) {
        status.activeJob = null; // stopped, not failed: nothing for a person to retry
        say(Interruption.line("the seed was stopped; the database is at " + at));
        return new Outcome(status, observeAndDecide(), Interruption.exitCode());
      }
      Outcomes.finished(status, result, readDatabase(), generation, now(),
          Outcomes.historyLimit(spec)).events()
          .forEach(event -> say("    " + event));
      save();
      say(result.succeeded() ? "==> the seed ran at " + at
          : "==> the seed failed: " + lastLine(result));
      return new Outcome(status, observeAndDecide(), result.succeeded() ? 0 : 1);
    } finally {
      save();
    }
  }

  private static String lastLine(ActionResult result) {
    List<String> lines = result.output().strip().lines().toList();
    return lines.isEmpty() ? "exit " + result.exitCode() : lines.get(lines.size() - 1);
  }

  private Outcome runActions() {
    if (rehearsalSkipped) {
      say("==> spec.rehearsal is carried out by the operator; locally, run `rehearse` (this "
          + "run does not rehearse)");
    }
    finishInterruptedAction();
    retryFailedAction();
    Decision decision = null;
    for (int i = 0; i < MAX_ACTIONS && !Interruption.requested(); i++) {
      decision = observeAndDecide();
      sayFindings();
      Action action = decision.action();
      if (action instanceof Action.None) {
        break;
      }
      // Locally the graph is read from a directory, not an image.
      say("==> " + (action instanceof Action.Inspect ? "reading the revision graph in "
          + alembicDir : decision.message()));
      if (options.dryRun()) {
        if (dryRun(action)) {
          return new Outcome(status, decision, 0);
        }
        continue;
      }
      StatusWriter.started(status, jobName(action), action, decision.approval(), now());
      save();
      ActionResult result = run(action);
      if (Interruption.requested() && !result.succeeded()) {
        return interrupted(action, decision);
      }
      Outcomes.Recorded recorded = Outcomes.finished(status, result, readDatabase(), generation,
          now(), Outcomes.historyLimit(spec));
      recorded.events().forEach(event -> say("    " + event));
      if (recorded.graphOutput() != null) {
        inspection = loaded(InspectionScript.parse(recorded.graphOutput()));
      }
      save();
    }
    if (Interruption.requested()) {
      return interrupted(null, decision);
    }
    save();
    int exit = decision.state() == Decision.State.READY ? 0 : 1;
    if (decision.state() == Decision.State.AWAITING_APPROVAL) {
      say("==> Awaiting approval: " + decision.message());
    } else if (decision.state() != Decision.State.READY) {
      say("==> " + (decision.state() == Decision.State.STALLED ? "Stalled" : "Not ready") + " ("
          + decision.reason() + "): " + decision.message());
    } else {
      say("==> Ready: " + decision.message());
    }
    return new Outcome(status, decision, exit);
  }

  /**
   * Reports an interruption in one line: what was stopped, what that undid, and the rows read
   * now. The stopped action is not a failure (nobody needs to retry it): it is forgotten, and
   * the next run plans again from wherever the database is.
   *
   * @param stopped the action whose process was stopped, or null when none was running
   * @param decision the last decision, or null when nothing had run yet
   */
  private Outcome interrupted(Action stopped, Decision decision) {
    status.activeJob = null;
    DatabaseState now = readDatabase();
    String what = decision == null ? "no step had started, nothing was changed"
        : stoppedWhat(stopped, now);
    if (now instanceof DatabaseState.Rows) {
      decision = observeAndDecide(); // the status says where it is, and what is next
    }
    String where = now instanceof DatabaseState.Rows rows
        ? "the database is at " + Decider.describe(rows.rows())
        : "the database cannot be read now to say where it is";
    say(Interruption.line(what + "; " + where));
    save();
    return new Outcome(status, decision, Interruption.exitCode());
  }

  private static String stoppedWhat(Action stopped, DatabaseState now) {
    if (stopped == null) {
      return "no step was running (the last one had finished), no other was started";
    }
    if (stopped instanceof Action.Migrate migrate) {
      String what = "alembic " + migrate.direction() + " " + migrate.alembicTarget()
          + " was stopped";
      if (!(now instanceof DatabaseState.Rows rows)) {
        return what;
      }
      if (Decider.sameRows(rows.rows(), migrate.from())) {
        return what + " and rolled back";
      }
      if (Decider.sameRows(rows.rows(), migrate.expectedRows())) {
        return what + " as it ended: all of it was committed";
      }
      return what + "; revisions it had committed stay, the one it was running was rolled back";
    }
    if (stopped instanceof Action.BackUp) {
      return "the backup was stopped and its partial dump removed, nothing was changed";
    }
    if (stopped instanceof Action.Seed) {
      return "the seed was stopped (what it committed stays; it runs again next time)";
    }
    return "the inspection was stopped, nothing was changed";
  }

  /**
   * An action still recorded as running was cut short with the run before (killed): its
   * processes died with it (the wrapper stops when its parent does). Judged as the operator
   * judges a vanished Job: a migration that reached its rows is recorded as done.
   */
  private void finishInterruptedAction() {
    if (status.activeJob == null) {
      return;
    }
    say("==> the previous run stopped during its " + status.activeJob.action + " (started "
        + status.activeJob.startedAt + ")");
    Outcomes.finished(status, new ActionResult(ActionResult.Ending.LOST, -1, "", null),
        readDatabase(), generation, now(), Outcomes.historyLimit(spec)).events().forEach(event -> say("    " + event));
  }

  /** A local run is a person's explicit retry (what retryToken is to the operator). */
  private void retryFailedAction() {
    if (status.conditions == null) {
      return;
    }
    for (Condition condition : status.conditions) {
      Reason reason = Reason.parse(condition.getReason());
      if (StatusWriter.STALLED.equals(condition.getType())
          && "True".equals(condition.getStatus()) && reason != null
          && reason.isFailureOfAnAction()) {
        say("==> retrying after " + condition.getReason() + ": " + condition.getMessage());
        condition.setStatus("False");
      }
    }
  }

  /** A new set of lint findings, from the last decision: said by {@code migrate}. */
  private List<String> newFindings = List.of();

  /** The lint findings of the pending revisions, once per set, as the operator's Event. */
  private void sayFindings() {
    for (String transition : newFindings) {
      say("==> " + transition.substring(transition.indexOf('/') + 1));
      if (status.policy != null && status.policy.findings != null) {
        for (var finding : status.policy.findings) {
          say("    " + finding.severity + (finding.waived != null ? " (waived: "
              + finding.waived + ")" : "") + "  " + finding.rule + "  "
              + (finding.file == null ? "history" : finding.file + (finding.line == null ? ""
                  : ":" + finding.line)) + "  " + finding.message);
        }
      }
    }
    newFindings = List.of();
  }

  private Decision observeAndDecide() {
    DatabaseState state = readDatabase();
    Observation observation = new Observation(generation, spec, status, null, inspection,
        Inspection.unknown(), state).approving(approvedPlan)
        .onDatabase(dev.vectis.migrations.database.DatabaseIdentity.of(database).key());
    // Local mode has no other images to look in; the database's tables it can read.
    if (Diagnoses.needsExistingTables(observation)) {
      observation = observation.withExistingTables(existingTables());
    }
    Decision decision = Decider.decide(observation);
    List<String> rows = state instanceof DatabaseState.Rows r ? r.rows() : null;
    newFindings = StatusWriter.apply(status, decision, generation, rows, now()).stream()
        .filter(transition -> transition.startsWith(StatusWriter.POLICY + "/")).toList();
    if (rows == null) {
      status.currentRevision = null; // not read in this run: a saved value may be stale
    }
    return decision;
  }

  private DatabaseState readDatabase() {
    try {
      VersionTableReader.Observed observed = versionTable().observe(database);
      versionTableSchema = observed.schema();
      return new DatabaseState.Rows(observed.rows());
    } catch (SQLException e) {
      return DatabaseProblem.classify(e, database).state();
    }
  }

  /** The database's tables, for the diagnosis of a schema without its version rows. */
  private java.util.Set<String> existingTables() {
    try (java.sql.Connection connection = java.sql.DriverManager.getConnection(
        database.jdbcUrl(), database.jdbcProperties())) {
      return ExistingTables.read(connection);
    } catch (SQLException e) {
      return null; // not diagnosed; the migration's own error will say what is wrong
    }
  }

  private VersionTableReader versionTable() {
    return VersionTableReader.of(spec.alembic.versionTableSchema, spec.alembic.versionTable);
  }

  private Inspection inspect() {
    InspectionScript.Result result = LocalAlembic.inspect(alembicDir, spec.alembic.config,
        options.python());
    return result.ok() ? loaded(result) : new Inspection.Failed(result.error());
  }

  /** The graph with the operations the inspection captured (what the policy lints). */
  private static Inspection loaded(InspectionScript.Result result) {
    try {
      return new Inspection.Loaded(result.graph(),
          dev.vectis.migrations.policy.RevisionChanges.parse(result.changes()));
    } catch (IllegalArgumentException e) {
      return new Inspection.Failed("the inspection's operations cannot be read: "
          + e.getMessage());
    }
  }

  private ActionResult run(Action action) {
    if (action instanceof Action.Inspect) {
      ProcessRunner.Result result = LocalAlembic.run(alembicDir, spec.alembic.config,
          options.python());
      return ended(result);
    }
    if (action instanceof Action.BackUp backUp) {
      try {
        BackupScript.Result backup = LocalBackup.backup(database, options.backupDir(),
            resource, backUp.rows(), options.pgDump(), deadline());
        say("    backup " + backup.path() + " (" + backup.sizeBytes() + " bytes, sha256 "
            + backup.sha256().substring(0, 12) + "…) verified");
        backup.removed().forEach(name -> say("    removed the older dump " + name + " (keeping "
            + spec.backup.retain + " of this database)"));
        return new ActionResult(ActionResult.Ending.EXITED, 0, "", new ActionResult.Backup(
            backup.path(), backup.sizeBytes(), backup.sha256()));
      } catch (LocalBackup.BackupFailed e) {
        return ActionResult.exited(1, e.getMessage());
      }
    }
    if (action instanceof Action.Migrate migrate) {
      List<String> alembic = new ArrayList<>(spec.alembic.command);
      if (options.alembic() != null) {
        alembic.set(0, options.alembic());
      }
      alembic.addAll(List.of("-c", spec.alembic.config, migrate.direction(),
          migrate.alembicTarget()));
      return runLocked(alembicDir, migrate.from(), alembic, line ->
          line.contains("Running upgrade") || line.contains("Running downgrade")
              || line.startsWith("migration lock:") || line.startsWith("database moved:"));
    }
    Action.Seed seed = (Action.Seed) action;
    return runLocked(seedDir, seed.rows(), seedCommand(), line -> true);
  }

  /** A command under the migration lock, on the premise of {@code rows}. */
  private ActionResult runLocked(Path directory, List<String> rows, List<String> command,
      java.util.function.Predicate<String> shown) {
    String table = versionTable().table();
    long lockKey = AdvisoryLock.forVersionTable(database.database(), versionTableSchema, table)
        .key();
    Instant begin = clock.instant();
    ProcessRunner.Result result = ProcessRunner.run(directory, environment(), deadline(),
        LockedCommand.command(options.python(), lockKey, JobFactory.lockWaitSeconds(spec),
            new LockedCommand.Premise(versionTableSchema, table, rows), command),
        line -> {
          if (shown.test(line)) {
            say("    [" + elapsed(begin) + "] " + masker.mask(
                line.replaceFirst("^INFO\\s+\\[[^]]*]\\s*", "")));
          }
        });
    return ended(result);
  }

  private ActionResult ended(ProcessRunner.Result result) {
    String output = masker.mask(result.output());
    if (Interruption.requested() && !result.succeeded()) {
      return new ActionResult(ActionResult.Ending.INTERRUPTED, -1, output, null);
    }
    if (result.timedOut()) {
      return new ActionResult(ActionResult.Ending.DEADLINE_EXCEEDED, -1, output, null);
    }
    return ActionResult.exited(result.exitCode(), output);
  }

  /** The name a Job would have; local runs have none, so the action and the time. */
  private String jobName(Action action) {
    return "local-" + action.getClass().getSimpleName().toLowerCase(Locale.ROOT) + "-"
        + clock.instant().getEpochSecond();
  }

  /** The seed command, its "python" replaced by the Python that has the project's packages. */
  private List<String> seedCommand() {
    List<String> command = new ArrayList<>(spec.seed.command);
    String first = command.get(0);
    if (first.equals("python") || first.equals("python3") || first.equals(spec.alembic.python)) {
      command.set(0, options.python());
    }
    return command;
  }

  /**
   * What env.py and the seed read: the SQLAlchemy URL (no password) and libpq's variables,
   * set after spec.podTemplate.env so that nothing in a spec can point them elsewhere.
   */
  private Map<String, String> environment() {
    return environment(spec, database);
  }

  /**
   * The environment in which the project's Alembic (env.py) and seed run against
   * {@code database}: what {@code migrate} gives them, and what {@code rehearse} gives its
   * driver.
   */
  public static Map<String, String> environment(SchemaMigrationSpec spec,
      ConnectionSettings database) {
    String urlEnv = spec.database == null || spec.database.urlEnv == null ? "DATABASE_URL"
        : spec.database.urlEnv;
    Map<String, String> env = new HashMap<>();
    if (spec.podTemplate != null && spec.podTemplate.env != null) {
      spec.podTemplate.env.stream().filter(e -> e.getValue() != null)
          .forEach(e -> env.put(e.getName(), e.getValue()));
    }
    env.putAll(DatabaseEnvironment.of(database, System.getenv(), "DATABASE_URL", urlEnv));
    env.put(urlEnv, database.sqlAlchemyUrl(spec.database == null
        || spec.database.urlScheme == null ? "postgresql" : spec.database.urlScheme));
    env.put("PYTHONDONTWRITEBYTECODE", "1");
    return env;
  }

  /** Says what the action would do; true when the dry run ends there. */
  private boolean dryRun(Action action) {
    if (action instanceof Action.Inspect) {
      inspection = inspect();
      return false;
    }
    if (action instanceof Action.BackUp backUp) {
      say("    (dry run) a verified backup would be written to " + options.backupDir());
      StatusWriter.backedUp(status, "(dry run)", 0, "", backUp.rows(), generation, now());
      return false;
    }
    if (action instanceof Action.Migrate migrate) {
      say("    (dry run) alembic " + migrate.direction() + " " + migrate.alembicTarget()
          + " would run " + migrate.steps().size() + " step"
          + (migrate.steps().size() == 1 ? "" : "s") + ":");
      for (PendingRevision step : migrate.steps()) {
        say("      " + step.revision + "  " + step.message);
      }
      say("    leaving the version table at " + (migrate.expectedRows().isEmpty() ? "base"
          : String.join(", ", migrate.expectedRows())) + "; nothing was changed");
      return true;
    }
    say("    (dry run) the seed would run: " + String.join(" ", seedCommand()));
    return true;
  }

  private void save() {
    if (options.state() != null && !options.dryRun()) {
      options.state().save(saved);
    }
  }

  private Duration deadline() {
    return Duration.ofSeconds(spec.jobDeadlineSeconds);
  }

  private String now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private String elapsed(Instant since) {
    Duration duration = Duration.between(since, clock.instant());
    return String.format(Locale.ROOT, "%d.%01ds", duration.toSeconds(),
        duration.toMillisPart() / 100);
  }

  private void say(String line) {
    // The image stands for the checkout here: name what is really read.
    options.out().println(TerminalStyle.of(options.out()).apply(
        line.replace(spec.image, alembicDir.toString())));
    options.out().flush();
  }
}
