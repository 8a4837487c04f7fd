package dev.vectis.migrations.local;

import dev.vectis.migrations.api.PendingRevision;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.database.AdvisoryLock;
import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.database.DatabaseProblem;
import dev.vectis.migrations.database.VersionTableReader;
import dev.vectis.migrations.jobs.LockedCommand;
import dev.vectis.migrations.jobs.MigrationOutput;
import dev.vectis.migrations.plan.Action;
import dev.vectis.migrations.plan.DatabaseState;
import dev.vectis.migrations.plan.Decider;
import dev.vectis.migrations.plan.Decision;
import dev.vectis.migrations.plan.Inspection;
import dev.vectis.migrations.plan.Observation;
import dev.vectis.migrations.plan.Reasons;
import dev.vectis.migrations.plan.StatusWriter;
import dev.vectis.migrations.revision.InspectionScript;
import java.io.PrintStream;
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
 * The operator's engine without Kubernetes: the same observation, the same decision and the
 * same status, with each action run as a local process (the inspection script, alembic under
 * the migration lock, the backup script, the seed) instead of a Job.
 */
public final class LocalEngine {
  private static final int MAX_ACTIONS = 20;

  /**
   * @param projectDir stands for the image's file system (see {@link LocalPaths})
   * @param backupDir the database's dump directory
   * @param python the Python with Alembic (inspection, migration lock, a "python" seed)
   * @param alembic replaces {@code spec.alembic.command[0]} when not null
   */
  public record Options(Path projectDir, Path backupDir, String python, String alembic,
      Path pgDump, boolean dryRun, PrintStream out) {}

  /** How a run ended: the status, the last decision, and the process exit code. */
  public record Outcome(SchemaMigrationStatus status, Decision decision, int exitCode) {}

  private final SchemaMigration resource;
  private final SchemaMigrationSpec spec;
  private final ConnectionSettings database;
  private final Options options;
  private final Clock clock;
  private final long generation;
  private final SchemaMigrationStatus status = new SchemaMigrationStatus();
  private final Path alembicDir;
  private final Path seedDir;
  private Inspection inspection = Inspection.unknown();

  public LocalEngine(SchemaMigration resource, ConnectionSettings database, Options options,
      Clock clock) {
    this.resource = resource;
    this.spec = resource.getSpec();
    this.database = database;
    this.options = options;
    this.clock = clock;
    Long metadataGeneration = resource.getMetadata() == null ? null
        : resource.getMetadata().getGeneration();
    this.generation = metadataGeneration == null ? 1 : metadataGeneration;
    this.alembicDir = LocalPaths.resolve(options.projectDir(), spec.alembic.workingDir,
        "spec.alembic.workingDir");
    this.seedDir = LocalPaths.resolve(options.projectDir(), spec.seed.workingDir,
        "spec.seed.workingDir");
  }

  /** Observes and decides once; changes nothing (the {@code status} command). */
  public Outcome inspectOnly() {
    inspection = inspect();
    Decision decision = observeAndDecide();
    return new Outcome(status, decision, decision.state() == Decision.State.STALLED ? 1 : 0);
  }

  /** Runs actions until the database is at its target, or a person must act. */
  public Outcome migrate() {
    Decision decision = null;
    for (int i = 0; i < MAX_ACTIONS; i++) {
      decision = observeAndDecide();
      Action action = decision.action();
      if (action instanceof Action.None) {
        break;
      }
      say("==> " + decision.message());
      if (action instanceof Action.Inspect) {
        inspection = inspect();
      } else if (action instanceof Action.BackUp backUp) {
        if (options.dryRun()) {
          say("    (dry run) a verified backup would be written to " + options.backupDir());
          StatusWriter.backedUp(status, "(dry run)", 0, "", backUp.rows(), generation, now());
        } else {
          backUp(backUp);
        }
      } else if (action instanceof Action.Migrate migrate) {
        if (options.dryRun()) {
          dryRunPlan(migrate);
          return new Outcome(status, decision, 0);
        }
        migrate(migrate);
      } else if (action instanceof Action.Seed seed) {
        if (options.dryRun()) {
          say("    (dry run) the seed would run: " + String.join(" ", seedCommand()));
          return new Outcome(status, decision, 0);
        }
        seed(seed);
      }
    }
    int exit = decision.state() == Decision.State.READY ? 0 : 1;
    if (decision.state() != Decision.State.READY) {
      say("==> " + (decision.state() == Decision.State.STALLED ? "Stalled" : "Not ready") + " ("
          + decision.reason() + "): " + decision.message());
    } else {
      say("==> Ready: " + decision.message());
    }
    return new Outcome(status, decision, exit);
  }

  private Decision observeAndDecide() {
    DatabaseState state = readDatabase();
    Decision decision = Decider.decide(new Observation(generation, spec, status, null,
        inspection, Inspection.unknown(), state));
    List<String> rows = state instanceof DatabaseState.Rows r ? r.rows() : null;
    StatusWriter.apply(status, decision, generation, rows, now());
    return decision;
  }

  private DatabaseState readDatabase() {
    try {
      return new DatabaseState.Rows(versionTable().observe(database).rows());
    } catch (SQLException e) {
      return new DatabaseState.Unavailable(DatabaseProblem.classify(e, database).message());
    }
  }

  private VersionTableReader versionTable() {
    return VersionTableReader.of(spec.alembic.versionTableSchema, spec.alembic.versionTable);
  }

  private Inspection inspect() {
    InspectionScript.Result result = LocalAlembic.inspect(alembicDir, spec.alembic.config,
        options.python());
    return result.ok() ? new Inspection.Loaded(result.graph())
        : new Inspection.Failed(result.error());
  }

  private void backUp(Action.BackUp backUp) {
    try {
      BackupScript.Result result = LocalBackup.backup(database, options.backupDir(),
          resource, backUp.rows(), options.pgDump(), deadline());
      say("    backup " + result.path() + " (" + result.sizeBytes() + " bytes, sha256 "
          + result.sha256().substring(0, 12) + "…) verified");
      StatusWriter.backedUp(status, result.path(), result.sizeBytes(), result.sha256(),
          backUp.rows(), generation, now());
    } catch (LocalBackup.BackupFailed e) {
      StatusWriter.failed(status, Reasons.BACKUP_FAILED, e.getMessage(), generation, now());
    }
  }

  private void migrate(Action.Migrate migrate) {
    String startedAt = now();
    List<String> alembic = new ArrayList<>(spec.alembic.command);
    if (options.alembic() != null) {
      alembic.set(0, options.alembic());
    }
    alembic.addAll(List.of("-c", spec.alembic.config, migrate.direction(),
        migrate.alembicTarget()));
    long lockKey = AdvisoryLock.forVersionTable(database.database(),
        spec.alembic.versionTableSchema, spec.alembic.versionTable).key();
    Instant begin = clock.instant();
    ProcessRunner.Result result = ProcessRunner.run(alembicDir, environment(), deadline(),
        LockedCommand.command(options.python(), lockKey, spec.jobDeadlineSeconds, alembic),
        line -> {
          if (line.contains("Running upgrade") || line.contains("Running downgrade")
              || line.startsWith("migration lock:")) {
            say("    [" + elapsed(begin) + "] " + line.replaceFirst("^INFO\\s+\\[[^]]*]\\s*", ""));
          }
        });
    if (!result.succeeded()) {
      String why = result.exitCode() == LockedCommand.LOCK_TIMEOUT_EXIT
          ? "another migration held the lock of this database for "
              + spec.jobDeadlineSeconds + "s"
          : MigrationOutput.failureSummary(result.output(), database.masker());
      StatusWriter.failed(status, Reasons.MIGRATION_FAILED, "alembic " + migrate.direction()
          + " " + migrate.alembicTarget() + " failed (exit " + result.exitCode() + "): " + why,
          generation, now());
      return;
    }
    DatabaseState after = readDatabase();
    if (after instanceof DatabaseState.Rows rows) {
      StatusWriter.migrated(status, migrate, "local", startedAt, rows.rows(), generation, now());
    } else {
      StatusWriter.failed(status, Reasons.VERIFICATION_FAILED, "the migration finished but the "
          + "version table cannot be read back: "
          + ((DatabaseState.Unavailable) after).message(), generation, now());
    }
  }

  private void seed(Action.Seed seed) {
    Instant begin = clock.instant();
    ProcessRunner.Result result = ProcessRunner.run(seedDir, environment(), deadline(),
        seedCommand(), line -> say("    [" + elapsed(begin) + "] " + line));
    if (result.succeeded()) {
      StatusWriter.seeded(status, seed.rows(), now());
    } else {
      StatusWriter.failed(status, Reasons.SEED_FAILED, "the seed failed (exit "
          + result.exitCode() + "): " + MigrationOutput.failureSummary(result.output(),
              database.masker()), generation, now());
    }
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

  /** What env.py and the seed read: the SQLAlchemy URL (no password) and libpq's variables. */
  private Map<String, String> environment() {
    Map<String, String> env = new HashMap<>(database.libpqEnvironment());
    if (database.password() != null) {
      env.put("PGPASSWORD", database.password());
    }
    env.put(spec.database == null || spec.database.urlEnv == null ? "DATABASE_URL"
        : spec.database.urlEnv, database.sqlAlchemyUrl(spec.database == null
        || spec.database.urlScheme == null ? "postgresql" : spec.database.urlScheme));
    env.put("PYTHONDONTWRITEBYTECODE", "1");
    if (spec.podTemplate != null && spec.podTemplate.env != null) {
      spec.podTemplate.env.stream().filter(e -> e.getValue() != null)
          .forEach(e -> env.put(e.getName(), e.getValue()));
    }
    return env;
  }

  private void dryRunPlan(Action.Migrate migrate) {
    say("    (dry run) alembic " + migrate.direction() + " " + migrate.alembicTarget() + " would run "
        + migrate.steps().size() + " step" + (migrate.steps().size() == 1 ? "" : "s") + ":");
    for (PendingRevision step : migrate.steps()) {
      say("      " + step.revision + "  " + step.message);
    }
    say("    leaving the version table at " + (migrate.expectedRows().isEmpty() ? "base"
        : String.join(", ", migrate.expectedRows())) + "; nothing was changed");
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
    options.out().println(line);
    options.out().flush();
  }
}
