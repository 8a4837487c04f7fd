package dev.vectis.migrations.cli;

import static dev.vectis.migrations.cli.CliProcess.password;
import static dev.vectis.migrations.cli.CliProcess.start;
import static dev.vectis.migrations.cli.CliProcess.startSlowMigration;
import static dev.vectis.migrations.cli.CliProcess.url;
import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.alembic;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Local mode's safety promises, each tried the way a user breaks it by accident: two runs
 * racing with different targets, a seed that fails once, a relative target run again, the
 * process list watched for the password, Ctrl-C mid-migration. The CLI runs as separate
 * processes here, as people run it.
 */
@Tag("slow")
@ExtendWith(PostgresExtension.class)
class LocalSafetyTest {
  private static final String SLOW = CliProcess.SLOW;

  @TempDir Path work;

  /** Gives the second run of the race 12 s to plan and back up: ample on a loaded machine. */
  private Path slowProject(int seconds) throws IOException {
    return CliProcess.slowProject(work, seconds);
  }

  private Path resource(String name, String target, String... extraSpec) throws IOException {
    return CliProcess.resource(work, name, target, extraSpec);
  }

  private List<String> cli(String command, Path resource, Path project, String url) {
    return CliProcess.cli(work, command, resource, project, url);
  }

  /**
   * Run A upgrades to a slow revision that writes 42 rows; run B, aiming at an older revision
   * with downgrades allowed, plans and backs up at head while A holds the lock, then waits.
   * When B gets the lock the database has moved: B must run nothing of its old plan, plan
   * again, and back up what A wrote before undoing it.
   */
  @Test
  void twoRunsWithDifferentTargetsNeverUndoWhatTheyDidNotBackUp(TestDatabase db)
      throws Exception {
    Path project = slowProject(12);
    alembic(db, "upgrade", "head");
    Path logA = work.resolve("a.log");
    Path logB = work.resolve("b.log");
    Process a = startSlowMigration(cli("migrate", resource("run-a", SLOW), project, url(db)),
        db, logA);
    Process b = start(cli("migrate", resource("run-b", "a3e2f1b8c9d4",
        "downgrade: {allow: true}"), project, url(db)), password(db), logB);
    assertThat(a.waitFor()).as(Files.readString(logA)).isZero();
    assertThat(b.waitFor()).as(Files.readString(logB)).isZero();

    String out = Files.readString(logB);
    assertThat(out).contains("backing up the database at " + HEAD,
        "database moved: planned from " + HEAD + ", found " + SLOW + "; nothing was run",
        "backing up the database at " + SLOW, "Running downgrade " + SLOW + " -> " + HEAD);
    assertThat(out.indexOf("backing up the database at " + SLOW))
        .as("the new backup comes before the downgrade")
        .isLessThan(out.indexOf("Running downgrade " + SLOW));
    assertThat(versionRows(db)).containsExactlyInAnyOrder("a3e2f1b8c9d4", "b7c4e9a1d2f3");
    // A's 42 rows are gone from the database but not lost: they are in B's second dump.
    Path dump = newestDump(SLOW);
    ProcessRunner.Result list = ProcessRunner.run(work, Map.of(), Duration.ofMinutes(1),
        List.of(ExternalTools.pgDump().resolveSibling("pg_restore").toString(), "--list",
            dump.toString()));
    assertThat(list.output()).contains("TABLE DATA public race_rows");
  }

  private Path newestDump(String rows) throws IOException {
    try (Stream<Path> files = Files.walk(work.resolve("backups"))) {
      return files.filter(f -> f.getFileName().toString().endsWith("-" + rows + ".dump"))
          .max(Path::compareTo).orElseThrow();
    }
  }

  /** A seed that fails once is run again by the next run, and then never again. */
  @Test
  void aSeedThatFailedIsRunAgainByTheNextRun(TestDatabase db) throws Exception {
    Path marker = work.resolve("seeded-once");
    Path resource = resource("seeded", "head", "seed:", "    command: [sh, -c, \"if [ -e "
        + marker + " ]; then echo seed ran; else touch " + marker + "; echo boom; exit 3; fi\"]",
        "    workingDir: /app");
    Path project = ProjectPaths.vectisProject();
    List<String> command = cli("migrate", resource, project, url(db));
    Path log = work.resolve("seed.log");

    assertThat(start(command, password(db), log).waitFor()).isEqualTo(1);
    assertThat(Files.readString(log)).contains("Stalled (SeedFailed)", "boom");

    assertThat(start(command, password(db), log).waitFor()).as(Files.readString(log)).isZero();
    assertThat(Files.readString(log)).contains("seed ran", "==> Ready");

    assertThat(start(command, password(db), log).waitFor()).isZero();
    assertThat(Files.readString(log)).doesNotContain("seed ran", "Running upgrade");
    assertThat(versionRows(db)).containsExactly(HEAD);
  }

  /** "-1" is resolved once for a spec: running the same file again does not walk further. */
  @Test
  void aRelativeTargetIsResolvedOncePerSpec(TestDatabase db) throws Exception {
    alembic(db, "upgrade", "head");
    Path resource = resource("relative", "-1", "downgrade: {allow: true}",
        "backup: {beforeDowngrade: false}");
    Path log = work.resolve("relative.log");
    List<String> command = cli("migrate", resource, ProjectPaths.vectisProject(), url(db));
    assertThat(start(command, password(db), log).waitFor()).as(Files.readString(log)).isZero();
    List<String> once = versionRows(db);
    assertThat(once).doesNotContain(HEAD);

    assertThat(start(command, password(db), log).waitFor()).as(Files.readString(log)).isZero();
    assertThat(Files.readString(log)).doesNotContain("Running downgrade");
    assertThat(versionRows(db)).containsExactlyInAnyOrderElementsOf(once);
  }

  /** The password reaches the CLI and its children only through the environment. */
  @Test
  void thePasswordIsNeverInTheProcessList(TestDatabase db) throws Exception {
    String secret = "Ps-" + Long.toHexString(System.nanoTime()) + "-x";
    PostgresExtension.createPasswordRole("vectis_ps", secret);
    db.execute("ALTER DATABASE " + db.name() + " OWNER TO vectis_ps");
    String url = "postgresql://vectis_ps@localhost:" + db.port() + "/" + db.name()
        + "?sslmode=disable";
    Path log = work.resolve("ps.log");
    Process run = start(cli("migrate", resource("ps", "head"), ProjectPaths.vectisProject(),
        url), Map.of("PGPASSWORD", secret), log);
    Set<String> seen = ConcurrentHashMap.newKeySet();
    int samples = 0;
    while (run.isAlive()) {
      ProcessRunner.Result ps = ProcessRunner.run(work, Map.of(), Duration.ofSeconds(10),
          List.of("ps", "-eo", "args"));
      seen.add(ps.output());
      samples++;
    }
    assertThat(run.exitValue()).as(Files.readString(log)).isZero();
    assertThat(samples).isGreaterThan(3);
    assertThat(String.join("\n", seen)).contains("vectis_ps@localhost").doesNotContain(secret);
    assertThat(Files.readString(log)).doesNotContain(secret);
  }

  /** A password in the URL still works, with a warning naming the safe ways. */
  @Test
  void aPasswordInTheUrlWorksWithAWarning(TestDatabase db) throws Exception {
    Path log = work.resolve("url.log");
    String url = "postgresql://" + db.user() + ":" + db.password() + "@localhost:" + db.port()
        + "/" + db.name() + "?sslmode=disable";
    assertThat(start(cli("status", resource("url", "head"), ProjectPaths.vectisProject(), url),
        Map.of(), log).waitFor()).isZero();
    assertThat(Files.readString(log)).contains("warning: the password in --database-url",
        "PGPASSWORD, ~/.pgpass or --password-file");
  }

  /**
   * Ctrl-C during a migration: Alembic stops with the wrapper, the transaction rolls back,
   * the run says where the database is and exits 130; the next run finishes the work.
   */
  @Test
  void anInterruptedRunSaysWhereTheDatabaseIs(TestDatabase db) throws Exception {
    Path project = slowProject(4);
    alembic(db, "upgrade", "head");
    Path log = work.resolve("interrupted.log");
    List<String> command = cli("migrate", resource("stopped", SLOW), project, url(db));
    Process run = startSlowMigration(command, db, log);

    ProcessRunner.run(work, Map.of(), Duration.ofSeconds(10), List.of("kill", "-INT",
        Long.toString(run.pid())));

    assertThat(run.waitFor()).as(Files.readString(log)).isEqualTo(130);
    assertThat(Files.readString(log)).contains("==> Interrupted (SIGINT): alembic upgrade " + SLOW
        + " was stopped and rolled back; the database is at " + HEAD);
    assertThat(versionRows(db)).containsExactly(HEAD);
    await().atMost(Duration.ofSeconds(10)).until(() -> db.activeStatements("pg_sleep(4)") == 0);

    assertThat(start(command, password(db), log).waitFor()).as(Files.readString(log)).isZero();
    assertThat(versionRows(db)).containsExactly(SLOW);
  }

  /**
   * kill -9 of the CLI mid-migration: nothing goes on migrating unobserved (the wrapper and
   * Alembic stop, the server cancels the statement, the lock is free), and the next run says
   * what happened and finishes the work.
   */
  @Test
  void aKilledCliLeavesNoMigrationRunningAndTheNextRunFinishes(TestDatabase db)
      throws Exception {
    Path project = slowProject(4);
    alembic(db, "upgrade", "head");
    Path log = work.resolve("killed.log");
    List<String> command = cli("migrate", resource("killed", SLOW), project, url(db));
    Process run = startSlowMigration(command, db, log);

    run.destroyForcibly().waitFor();

    await().atMost(Duration.ofSeconds(10)).until(() -> db.activeStatements("pg_sleep(4)") == 0);
    try (var other = db.connect()) {
      assertThat(dev.vectis.migrations.database.AdvisoryLock.forVersionTable(db.name(),
          "public", "alembic_version").holder(other)).as("the lock is free").isEmpty();
    }
    Thread.sleep(5000); // longer than the slow revision: an orphan would have committed by now
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(db.tableExists("race_rows")).isFalse();

    assertThat(start(command, password(db), log).waitFor()).as(Files.readString(log)).isZero();
    assertThat(Files.readString(log)).contains("the previous run stopped during its migrate");
    assertThat(versionRows(db)).containsExactly(SLOW);
  }

  /**
   * What the user's shell holds must not choose the database: a libpq service file beats
   * PGHOST and PGDATABASE, and env.py may read an inherited DATABASE_URL. The backup, the
   * lock and Alembic all work on the database the plan was made for; the other is untouched.
   */
  @Test
  void theShellsVariablesCannotSendAnyStepToAnotherDatabase(TestDatabase db, TestDatabase other)
      throws Exception {
    alembic(db, "upgrade", "head");
    alembic(other, "upgrade", "head");
    Path services = work.resolve("pg_service.conf");
    Files.writeString(services, "[elsewhere]\nhost=localhost\nport=" + other.port()
        + "\ndbname=" + other.name() + "\nuser=" + other.user() + "\n");
    Map<String, String> shell = Map.of("PGPASSWORD", db.password(), "PGSERVICEFILE",
        services.toString(), "PGSERVICE", "elsewhere", "DATABASE_URL", other.sqlAlchemyUrl(),
        "VECTIS_DB_URL", other.sqlAlchemyUrl());
    Path log = work.resolve("shell.log");
    Path allowed = resource("shell", "a3e2f1b8c9d4", "downgrade: {allow: true}");
    assertThat(start(cli("migrate", allowed, ProjectPaths.vectisProject(), url(db)), shell, log)
        .waitFor()).as(Files.readString(log)).isZero();
    assertThat(versionRows(db)).containsExactlyInAnyOrder("a3e2f1b8c9d4", "b7c4e9a1d2f3");
    assertThat(versionRows(other)).as("the other database").containsExactly(HEAD);
    ProcessRunner.Result list = ProcessRunner.run(work, Map.of(), Duration.ofMinutes(1),
        List.of(ExternalTools.pgDump().resolveSibling("pg_restore").toString(), "--list",
            newestDump(HEAD).toString()));
    assertThat(list.output()).as("the dump is of the database downgraded")
        .contains("dbname: " + db.name());

    // env.py reads DATABASE_URL but the spec names another variable: the inherited
    // DATABASE_URL is not passed on, so Alembic fails instead of migrating the other database.
    alembic(db, "upgrade", "head");
    Path renamed = resource("shell-url-env", "a3e2f1b8c9d4", "downgrade: {allow: true}");
    Files.writeString(renamed, Files.readString(renamed).replace(
        "{secretRef: {name: vectis-db-app}}", "{secretRef: {name: db}, urlEnv: VECTIS_DB_URL}"));
    assertThat(start(cli("migrate", renamed, ProjectPaths.vectisProject(), url(db)), shell, log)
        .waitFor()).isEqualTo(1);
    assertThat(Files.readString(log)).contains("Stalled (MigrationFailed)",
        "DATABASE_URL is not set");
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(versionRows(other)).as("the other database").containsExactly(HEAD);
  }

  /**
   * kill -9 of the CLI mid-backup: the backup stops too; nothing outlives the CLI. Killed
   * while pg_dump dumps, and while the backup asks pg_dump its version (the check that it is
   * not older than the server, before the dump).
   */
  @ParameterizedTest(name = "killed during the {0}")
  @ValueSource(strings = {"dump", "version check"})
  void aKilledCliLeavesNoBackupRunning(String phase, TestDatabase db) throws Exception {
    alembic(db, "upgrade", "head");
    Path slowDump = work.resolve("bin/pg_dump");
    Files.createDirectories(slowDump.getParent());
    // A pg_dump that takes its time (and, like the real one, stops on SIGTERM).
    Files.writeString(slowDump, "#!/bin/sh\n"
        + (phase.equals("dump") ? "[ \"$1\" != --version ] || exec " + ExternalTools.pgDump()
            + " --version\n" : "")
        + "trap 'kill $!; exit 143' TERM\nsleep 8 & wait $!\n"
        + "exec " + ExternalTools.pgDump() + " \"$@\"\n");
    slowDump.toFile().setExecutable(true);
    Files.createSymbolicLink(slowDump.resolveSibling("pg_restore"),
        ExternalTools.pgDump().resolveSibling("pg_restore"));
    List<String> command = cli("migrate", resource("slow-backup", "a3e2f1b8c9d4",
        "downgrade: {allow: true}"), ProjectPaths.vectisProject(), url(db));
    command.set(command.indexOf("--pg-dump") + 1, slowDump.toString());
    Path log = work.resolve("slow-backup.log");
    Process run = start(command, password(db), log);
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log)
        .contains("backing up the database at " + HEAD));
    Thread.sleep(1000);

    run.destroyForcibly().waitFor();

    await().atMost(Duration.ofSeconds(5)).until(() -> ProcessRunner.run(work, Map.of(),
        Duration.ofSeconds(10), List.of("ps", "-eo", "args")).output().lines()
        .noneMatch(line -> line.contains(slowDump.toString()) || line.contains("sleep 8")));
    Thread.sleep(9000); // past the fake pg_dump's sleep: an orphan would have written its dump
    try (Stream<Path> files = Files.walk(work.resolve("backups"))) {
      assertThat(files.filter(f -> f.getFileName().toString().endsWith(".dump"))).isEmpty();
    }
    assertThat(versionRows(db)).containsExactly(HEAD);
  }

  /**
   * Seeds run under the migration lock (DESIGN §9.2): while another session holds it, the
   * seed waits, and it runs once the lock is free.
   */
  @Test
  void aSeedWaitsForTheMigrationLock(TestDatabase db) throws Exception {
    Path failing = work.resolve("fail-first");
    Path seeded = work.resolve("seeded");
    Path resource = resource("seed-lock", "head", "seed:", "    command: [sh, -c, \"if [ -e "
        + failing + " ]; then rm " + failing + "; exit 3; fi; touch " + seeded + "\"]",
        "    workingDir: /app");
    List<String> command = cli("migrate", resource, ProjectPaths.vectisProject(), url(db));
    Path log = work.resolve("seed-lock.log");
    Files.createFile(failing);
    assertThat(start(command, password(db), log).waitFor()).as("upgraded; the seed failed")
        .isEqualTo(1);
    try (var holder = db.connect()) {
      // The lock a migration of this database takes (the table resolves to public).
      var lock = dev.vectis.migrations.database.AdvisoryLock.forVersionTable(db.name(), "public",
          "alembic_version");
      assertThat(lock.tryLock(holder)).isTrue();
      Process run = start(command, password(db), log);
      await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log)
          .contains("migration lock: waiting"));
      Thread.sleep(2000);
      assertThat(seeded).as("the seed ran while another session held the lock").doesNotExist();
      lock.unlock(holder);
      assertThat(run.waitFor()).as(Files.readString(log)).isZero();
    }
    assertThat(seeded).exists();
    assertThat(Files.readString(log)).contains("running the seed", "==> Ready")
        .doesNotContain("Running upgrade");
  }
}
