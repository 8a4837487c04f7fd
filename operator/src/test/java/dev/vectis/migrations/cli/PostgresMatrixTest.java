package dev.vectis.migrations.cli;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.api.ActiveJob;
import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.api.SslMode;
import dev.vectis.migrations.database.AdvisoryLock;
import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.database.DatabaseIdentity;
import dev.vectis.migrations.database.DatabaseProblem;
import dev.vectis.migrations.database.VersionTableReader;
import dev.vectis.migrations.jobs.JobFactory;
import dev.vectis.migrations.jobs.LockedCommand;
import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.plan.Action;
import dev.vectis.migrations.plan.ActionResult;
import dev.vectis.migrations.plan.DatabaseState;
import dev.vectis.migrations.plan.Outcomes;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresServer;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.TestDatabase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine and local mode on every PostgreSQL major we support (13, 15, 16, 17): the CLI
 * end to end, the version table, the advisory lock and its wrapper, and how connection
 * problems are classified. One embedded server per major, started on first use.
 */
@Tag("slow")
class PostgresMatrixTest {
  private static final String PINNED = "a3e2f1b8c9d4";

  @TempDir Path work;

  static List<Integer> majors() {
    return PostgresServer.MATRIX;
  }

  /** The major of the pg_dump local mode is given here (Debian's, 15). */
  private static int localPgDumpMajor() {
    ProcessRunner.Result result = ProcessRunner.run(Path.of("."), Map.of(),
        Duration.ofSeconds(30), List.of(ExternalTools.pgDump().toString(), "--version"));
    Matcher version = Pattern.compile("\\) (\\d+)\\.").matcher(result.output());
    assertThat(version.find()).as(result.output()).isTrue();
    return Integer.parseInt(version.group(1));
  }

  @ParameterizedTest(name = "PostgreSQL {0}")
  @MethodSource("majors")
  void localModeMigratesReportsAndBacksUpBeforeADowngrade(int major) throws Exception {
    TestDatabase db = PostgresServer.of(major).newDatabaseOwnedBy("matrix_owner", "owner-pw");
    LocalCli cli = new LocalCli(work);
    Path project = ProjectPaths.vectisProject();

    assertThat(cli.local("migrate", db, cli.resource(PINNED), project))
        .as(cli.stdout() + cli.stderr()).isZero();
    assertThat(versionRows(db)).containsExactly(PINNED);
    assertThat(cli.local("status", db, cli.resource("head"), project)).isZero();
    assertThat(cli.stdout()).contains("Current          " + PINNED,
        "Pending          3 revisions");

    assertThat(cli.local("migrate", db, cli.resource("head"), project))
        .as(cli.stdout() + cli.stderr()).isZero();
    assertThat(versionRows(db)).containsExactly(HEAD);
    db.execute("INSERT INTO exchange_rates (base_currency, target_currency, rate, "
        + "effective_from) VALUES ('EUR', 'USD', 1.08, now())");

    int pgDump = localPgDumpMajor();
    Path allowed = cli.resource(PINNED, "downgrade: {allow: true}");
    int exit = cli.local("migrate", db, allowed, project, "-o", "yaml");
    Path dumps = cli.backups().resolve(DatabaseIdentity.of(db.settings()).key());
    if (pgDump >= major) {
      assertThat(exit).as(cli.stdout() + cli.stderr()).isZero();
      assertThat(cli.printed()).contains("verified", "direction: downgrade");
      assertThat(versionRows(db)).containsExactlyInAnyOrder(PINNED, "b7c4e9a1d2f3");
      assertThat(db.tableExists("exchange_rates")).isFalse();
      assertThat(dumpsIn(dumps)).hasSize(1);
    } else {
      // pg_dump refuses a newer server: the backup fails first, in one line naming both
      // versions and the fix, and the downgrade never runs.
      assertThat(exit).as(cli.stdout() + cli.stderr()).isEqualTo(1);
      assertThat(cli.printed()).contains("Stalled (BackupFailed)",
          "(exit " + BackupScript.PG_DUMP_TOO_OLD_EXIT + "): backup: pg_dump " + pgDump + ".",
          "cannot dump a PostgreSQL " + major + " server (" + major + ".",
          "use pg_dump " + major + " or newer (install postgresql-client-" + major,
          "nothing was dumped").doesNotContain("Running downgrade");
      assertThat(versionRows(db)).containsExactly(HEAD);
      assertThat(db.count("SELECT count(*) FROM exchange_rates")).isEqualTo(1);
      assertThat(dumpsIn(dumps)).isEmpty();
    }

    cli.local("status", db, cli.resource("head"), project);
    assertThat(cli.stdout()).contains(pgDump >= major ? "Current          " + PINNED + ",b7c4e9a1d2f3"
        : "Current          " + HEAD);
  }

  /**
   * The operator's backup Job, its container run here as the kubelet stand-in runs it, with
   * {@code spec.backup.image} pinned to PostgreSQL 15's image (this machine's pg_dump): on a
   * newer server it dumps nothing, and what it printed becomes the status's reason.
   */
  @ParameterizedTest(name = "PostgreSQL {0}")
  @MethodSource("majors")
  void theBackupJobsPgDumpMustBeAsNewAsTheServer(int major) throws Exception {
    TestDatabase db = PostgresServer.of(major).newDatabaseOwnedBy("matrix_job", "job-pw");
    db.execute("CREATE TABLE kept (id integer)");
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName("vectis-backend").withNamespace("shop")
        .withUid("6f1c0e8e-1b7a-4c55-9e0d-3a4b5c6d7e8f").withGeneration(2L).build());
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    spec.image = "registry.example.com/vectis/backend:1.14.0";
    spec.database = new DatabaseSpec();
    spec.database.cnpgCluster = "vectis-db";
    spec.backup.image = "postgres:" + localPgDumpMajor() + "-alpine";
    resource.setSpec(spec);
    Job job = JobFactory.backup(resource, new Action.BackUp(List.of(HEAD)),
        new JobFactory.DatabaseAccess(db.settings(), "vectis-db-app", "password", "public"),
        spec.backup.image, "vectis-backend-backups");
    Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    Path volume = Files.createDirectories(work.resolve("volume"));
    Map<String, String> env = new HashMap<>();
    for (EnvVar variable : container.getEnv()) {
      String value = variable.getValueFrom() != null ? db.password() : variable.getValue();
      if (variable.getName().equals("BACKUP_DIR")) {
        value = volume + value.substring(JobFactory.BACKUP_MOUNT.length());
      }
      if (!variable.getName().equals("HOME")) {
        env.put(variable.getName(), value);
      }
    }
    ProcessRunner.Result ran = ProcessRunner.run(volume, env, Duration.ofMinutes(2),
        container.getCommand());
    String log = db.settings().masker().mask(ran.output());

    SchemaMigrationStatus status = new SchemaMigrationStatus();
    status.activeJob = new ActiveJob();
    status.activeJob.name = job.getMetadata().getName();
    status.activeJob.action = "backup";
    status.activeJob.image = spec.backup.image;
    status.activeJob.from = HEAD;
    status.activeJob.to = HEAD;
    ActionResult result = ran.succeeded()
        ? new ActionResult(ActionResult.Ending.EXITED, 0, log, BackupScript.parse(log)
            .map(r -> new ActionResult.Backup(r.path(), r.sizeBytes(), r.sha256()))
            .orElse(null))
        : ActionResult.exited(ran.exitCode(), log);
    Outcomes.Recorded recorded = Outcomes.finished(status, result,
        new DatabaseState.Rows(List.of(HEAD)), 2, "2026-11-30T08:00:00Z");

    if (localPgDumpMajor() >= major) {
      assertThat(ran.exitCode()).as(log).isZero();
      assertThat(recorded.kind()).isEqualTo(Outcomes.Kind.SUCCEEDED);
      assertThat(status.lastBackup.revision).isEqualTo(HEAD);
    } else {
      assertThat(ran.exitCode()).as(log).isEqualTo(BackupScript.PG_DUMP_TOO_OLD_EXIT);
      assertThat(log.strip()).as("one line").doesNotContain("\n")
          .startsWith("backup: pg_dump " + localPgDumpMajor() + ".")
          .contains("cannot dump a PostgreSQL " + major + " server",
              "set spec.backup.image to postgres:" + major + "-alpine");
      assertThat(recorded.kind()).isEqualTo(Outcomes.Kind.FAILED);
      Condition stalled = status.conditions.stream()
          .filter(c -> c.getType().equals("Stalled")).findFirst().orElseThrow();
      assertThat(stalled.getReason()).isEqualTo("BackupFailed");
      assertThat(stalled.getMessage()).contains("(exit " + BackupScript.PG_DUMP_TOO_OLD_EXIT
          + "): backup: pg_dump " + localPgDumpMajor() + ".", "PostgreSQL " + major);
      assertThat(status.lastBackup).isNull();
      try (Stream<Path> files = Files.walk(volume)) {
        assertThat(files.filter(Files::isRegularFile)).as("nothing written").isEmpty();
      }
    }
  }

  private static List<Path> dumpsIn(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".dump")).toList();
    }
  }

  @ParameterizedTest(name = "PostgreSQL {0}")
  @MethodSource("majors")
  void theVersionTableTheLockAndTheWrapper(int major) throws Exception {
    TestDatabase db = PostgresServer.of(major).newDatabase();
    db.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)");
    db.execute("INSERT INTO alembic_version VALUES ('" + PINNED + "')");
    VersionTableReader.Observed observed = VersionTableReader.of(null, "alembic_version")
        .observe(db.settings());
    assertThat(observed.rows()).containsExactly(PINNED);
    assertThat(observed.serverMajor()).isEqualTo(major);
    assertThat(observed.schema()).isEqualTo("public");

    AdvisoryLock lock = AdvisoryLock.forVersionTable(db.name(), "public", "alembic_version");
    try (Connection holder = db.connect(); Connection other = db.connect()) {
      try (Statement statement = holder.createStatement()) {
        statement.execute("SET application_name = 'schema-migration-operator'");
      }
      assertThat(lock.tryLock(holder)).isTrue();
      assertThat(lock.tryLock(other)).isFalse();
      assertThat(lock.holder(other)).hasValueSatisfying(h ->
          assertThat(h.applicationName()).isEqualTo("schema-migration-operator"));
      ProcessRunner.Result kept = runLocked(db, lock, List.of(PINNED), "echo never ran");
      assertThat(kept.exitCode()).as(kept.output())
          .isEqualTo(LockedCommand.LOCK_TIMEOUT_EXIT);
      assertThat(kept.output()).contains("migration lock: waiting for pid",
          "(schema-migration-operator)").doesNotContain("never ran");
      assertThat(lock.unlock(holder)).isTrue();
    }

    ProcessRunner.Result moved = runLocked(db, lock, List.of(), "echo never ran");
    assertThat(moved.exitCode()).as(moved.output()).isEqualTo(LockedCommand.DATABASE_MOVED_EXIT);
    assertThat(moved.output()).contains("database moved").doesNotContain("never ran");

    // The command's own sessions: on 14 and later the server checks that their client is
    // still there (client_connection_check_interval); 13 has no such setting, and a
    // PGOPTIONS naming it would make every connection fail there.
    String psql = ExternalTools.pgDump().resolveSibling("psql").toString();
    ProcessRunner.Result ran = runLocked(db, lock, List.of(PINNED), psql
        + " -XAt -c \"SELECT coalesce(current_setting('client_connection_check_interval', "
        + "true), 'unset') || ' on ' || current_setting('server_version_num')\"");
    assertThat(ran.exitCode()).as(ran.output()).isZero();
    assertThat(ran.output()).contains("migration lock: acquired",
        (major >= 14 ? "1s" : "unset") + " on " + major);
  }

  private static ProcessRunner.Result runLocked(TestDatabase db, AdvisoryLock lock,
      List<String> premise, String shell) {
    Map<String, String> env = new HashMap<>(db.settings().libpqEnvironment());
    env.put("PGPASSWORD", db.password());
    env.put("PYTHONDONTWRITEBYTECODE", "1");
    return ProcessRunner.run(Path.of("."), env, Duration.ofMinutes(1),
        LockedCommand.command(ExternalTools.python().toString(), lock.key(), 1,
            new LockedCommand.Premise("public", "alembic_version", premise),
            List.of("sh", "-c", shell)));
  }

  @ParameterizedTest(name = "PostgreSQL {0}")
  @MethodSource("majors")
  void connectionProblemsAreClassified(int major) throws SQLException {
    PostgresServer server = PostgresServer.of(major);
    TestDatabase db = server.newDatabase();
    server.createPasswordRole("matrix_pw", "right-password");

    DatabaseProblem wrongPassword = connect(new ConnectionSettings("127.0.0.1", db.port(),
        db.name(), "matrix_pw", "wrong-password", SslMode.DISABLE));
    assertThat(wrongPassword.kind()).isEqualTo(DatabaseProblem.Kind.AUTHENTICATION_FAILED);
    assertThat(wrongPassword.transientProblem()).isFalse();

    DatabaseProblem missing = connect(new ConnectionSettings("127.0.0.1", db.port(),
        "no_such_db", "matrix_pw", "right-password", SslMode.DISABLE));
    assertThat(missing.kind()).isEqualTo(DatabaseProblem.Kind.DATABASE_MISSING);
    assertThat(missing.message()).isEqualTo("database \"no_such_db\" does not exist on "
        + "127.0.0.1:" + db.port());

    // PostgreSQL 15 took CREATE on the public schema from everyone but its owner: a role
    // that could create Alembic's table on 13 is refused on 15 and later, and that refusal
    // is a permission problem a person must fix, not something to wait out.
    ConnectionSettings role = new ConnectionSettings("127.0.0.1", db.port(), db.name(),
        "matrix_pw", "right-password", SslMode.DISABLE);
    try (Connection connection = DriverManager.getConnection(role.jdbcUrl(),
        role.jdbcProperties()); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE matrix_probe (id integer)");
      assertThat(major).as("CREATE on public by a non-owner").isLessThan(15);
    } catch (SQLException e) {
      assertThat(major).as(e.getMessage()).isGreaterThanOrEqualTo(15);
      DatabaseProblem problem = DatabaseProblem.classify(e, role);
      assertThat(problem.kind()).isEqualTo(DatabaseProblem.Kind.PERMISSION_DENIED);
      assertThat(problem.message()).startsWith("permission denied for user \"matrix_pw\"")
          .contains("schema public");
    }
  }

  private static DatabaseProblem connect(ConnectionSettings settings) {
    return dev.vectis.migrations.database.DatabaseProblemTest.connect(settings);
  }
}
