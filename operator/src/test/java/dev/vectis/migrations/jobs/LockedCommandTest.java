package dev.vectis.migrations.jobs;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.alembic;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.database.AdvisoryLock;
import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import dev.vectis.migrations.testing.VectisProject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migration wrapper: the lock, the premise checked under it, and a lock that lives
 * exactly as long as the migration — whichever process is killed.
 */
@Tag("slow")
@ExtendWith(PostgresExtension.class)
class LockedCommandTest {
  private static final String SLOW = "f2f2f2f2f2f2";
  private final AdvisoryLock lock = AdvisoryLock.forVersionTable("vectis", "public",
      "alembic_version");

  private static Map<String, String> environment(TestDatabase db) {
    Map<String, String> env = new HashMap<>(db.settings().libpqEnvironment());
    env.put("PGPASSWORD", db.password());
    env.put("DATABASE_URL", db.sqlAlchemyUrl());
    env.put("PYTHONDONTWRITEBYTECODE", "1");
    return env;
  }

  private List<String> wrapped(long waitSeconds, List<String> rows, List<String> command) {
    return LockedCommand.command(ExternalTools.python().toString(), lock.key(), waitSeconds,
        new LockedCommand.Premise("public", "alembic_version", rows), command);
  }

  private ProcessRunner.Result runLocked(TestDatabase db, long waitSeconds, List<String> rows,
      List<String> command) {
    return ProcessRunner.run(Path.of("."), environment(db), Duration.ofMinutes(1),
        wrapped(waitSeconds, rows, command));
  }

  @Test
  void theWrapperRunsTheCommandUnderTheLockAndReturnsItsExitCode(TestDatabase db) {
    ProcessRunner.Result ok = runLocked(db, 5, List.of(), List.of("sh", "-c",
        "echo inside; exit 3"));
    assertThat(ok.exitCode()).isEqualTo(3);
    assertThat(ok.output()).contains("migration lock: acquired", "inside");
  }

  @Test
  void aLockHeldByAnotherSessionKeepsTheWrapperOut(TestDatabase db) throws SQLException {
    try (Connection holder = db.connect()) {
      try (Statement statement = holder.createStatement()) {
        statement.execute("SET application_name = 'schema-migration-operator'");
      }
      assertThat(lock.tryLock(holder)).isTrue();
      ProcessRunner.Result result = runLocked(db, 2, List.of(), List.of("sh", "-c",
          "echo never ran"));
      assertThat(result.exitCode()).isEqualTo(LockedCommand.LOCK_TIMEOUT_EXIT);
      assertThat(result.output()).contains("migration lock: waiting for pid",
          "(schema-migration-operator)", "giving up").doesNotContain("never ran");
      lock.unlock(holder);
    }
    assertThat(runLocked(db, 2, List.of(), List.of("true")).exitCode()).isZero();
  }

  @Test
  void whileTheWrapperRunsTheJavaSideCannotTakeTheLock(TestDatabase db) throws Exception {
    Thread wrapper = new Thread(() -> runLocked(db, 5, List.of(), List.of("sleep", "3")));
    wrapper.start();
    try (Connection other = db.connect()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> lock.holder(other).isPresent());
      assertThat(lock.tryLock(other)).isFalse();
    }
    wrapper.join();
  }

  /**
   * The plan was made at base; while the wrapper waited for the lock, another migration moved
   * the database to head. Nothing may run: its steps were planned (and backed up) for base.
   */
  @Test
  void aDatabaseThatMovedWhileWaitingForTheLockRunsNothing(TestDatabase db) throws Exception {
    ProcessRunner.Result[] result = new ProcessRunner.Result[1];
    try (Connection holder = db.connect()) {
      assertThat(lock.tryLock(holder)).isTrue();
      java.util.concurrent.CountDownLatch queued = new java.util.concurrent.CountDownLatch(1);
      Thread waiting = new Thread(() -> result[0] = ProcessRunner.run(Path.of("."),
          environment(db), Duration.ofMinutes(1), wrapped(30, List.of(),
              List.of("sh", "-c", "echo RAN")), line -> {
            if (line.startsWith("migration lock: waiting")) {
              queued.countDown();
            }
          }));
      waiting.start();
      assertThat(queued.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      alembic(db, "upgrade", "head");
      lock.unlock(holder);
      waiting.join();
    }
    assertThat(result[0].exitCode()).isEqualTo(LockedCommand.DATABASE_MOVED_EXIT);
    assertThat(result[0].output()).contains("database moved: planned from base, found " + HEAD)
        .doesNotContain("RAN");
    assertThat(runLocked(db, 5, List.of(HEAD), List.of("sh", "-c", "echo RAN")).output())
        .as("on its premise it runs").contains("RAN");
  }

  /** A project whose last revision sleeps in the database for {@code seconds}. */
  private static Path slowProject(Path dir, int seconds) throws IOException {
    return VectisProject.copy(dir, List.of(), Map.of(VectisProject.VERSIONS + SLOW + "_slow.py",
        VectisProject.revisionAfterHead(SLOW, "backfill_slowly",
            "SELECT pg_sleep(" + seconds + ")"))).resolve("vectis/backend");
  }

  private static long migrationSessions(TestDatabase db) throws SQLException {
    return db.activeStatements("pg_sleep(60)");
  }

  private static Process start(Path dir, Map<String, String> env, List<String> command)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(dir.resolve("output.log").toFile());
    builder.environment().putAll(env);
    return builder.start();
  }

  /**
   * Local mode's CLI dies (kill -9) while Alembic runs a long statement: the wrapper, which
   * runs Alembic in its own process, stops, its connections close, the server cancels the
   * statement and the lock is free. No orphan goes on migrating unobserved.
   */
  @Test
  void whenTheProcessThatStartedItDiesTheMigrationStopsAndTheLockIsFreed(TestDatabase db,
      @TempDir Path dir) throws Exception {
    alembic(db, "upgrade", "head");
    Path project = slowProject(dir, 60);
    List<String> wrapper = wrapped(5, List.of(HEAD), List.of("alembic", "upgrade", SLOW));
    // A parent standing in for the CLI: it starts the wrapper and waits for it.
    List<String> parent = new ArrayList<>(List.of("sh", "-c", "\"$@\" & wait", "parent"));
    parent.addAll(wrapper);
    Process cli = start(project, environment(db), parent);
    await().atMost(Duration.ofSeconds(30)).until(() -> migrationSessions(db) == 1);

    cli.destroyForcibly().waitFor();

    await().atMost(Duration.ofSeconds(10)).until(() -> migrationSessions(db) == 0);
    try (Connection other = db.connect()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> lock.holder(other).isEmpty());
    }
    assertThat(versionRows(db)).containsExactly(HEAD);
  }

  /** Only the wrapper is killed: Alembic dies with it (it is the same process). */
  @Test
  void killingTheWrapperEndsTheMigrationItHeldTheLockFor(TestDatabase db, @TempDir Path dir)
      throws Exception {
    alembic(db, "upgrade", "head");
    Path project = slowProject(dir, 60);
    Process wrapper = start(project, environment(db),
        wrapped(5, List.of(HEAD), List.of("alembic", "upgrade", SLOW)));
    await().atMost(Duration.ofSeconds(30)).until(() -> migrationSessions(db) == 1);

    wrapper.destroyForcibly().waitFor();

    await().atMost(Duration.ofSeconds(10)).until(() -> migrationSessions(db) == 0);
    ProcessRunner.Result next = ProcessRunner.run(project, environment(db),
        Duration.ofMinutes(1), wrapped(5, List.of(HEAD), List.of("sh", "-c", "echo second")));
    assertThat(next.output()).contains("migration lock: acquired", "second");
    assertThat(versionRows(db)).containsExactly(HEAD);
  }

  /** A seed (a child of the wrapper) dies with the wrapper too. */
  @Test
  void aChildCommandDiesWithTheWrapper(TestDatabase db, @TempDir Path dir) throws Exception {
    Path marker = dir.resolve("still-running");
    Process wrapper = start(dir, environment(db), wrapped(5, List.of(),
        List.of("sh", "-c", "echo child started; sleep 3; touch " + marker)));
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(
        dir.resolve("output.log")).contains("child started"));

    wrapper.destroyForcibly().waitFor();

    Thread.sleep(4000);
    assertThat(marker).as("the seed went on after the wrapper died").doesNotExist();
  }

  /** The whole process group is killed mid-statement: the server ends the statement soon. */
  @Test
  void killingEverythingLeavesNoStatementRunningOnTheServer(TestDatabase db, @TempDir Path dir)
      throws Exception {
    alembic(db, "upgrade", "head");
    Path project = slowProject(dir, 60);
    // A new session whose leader prints its pid: that is the group to kill (never ours).
    List<String> group = new ArrayList<>(List.of("setsid", "-w", "sh", "-c",
        "echo \"group $$\"; \"$@\" & wait", "group"));
    group.addAll(wrapped(5, List.of(HEAD), List.of("alembic", "upgrade", SLOW)));
    Process leader = start(project, environment(db), group);
    await().atMost(Duration.ofSeconds(30)).until(() -> migrationSessions(db) == 1);
    String groupId = Files.readString(project.resolve("output.log")).lines()
        .filter(line -> line.startsWith("group ")).findFirst().orElseThrow().substring(6).strip();
    assertThat(Long.parseLong(groupId)).isNotEqualTo(ProcessHandle.current().pid());

    ProcessRunner.run(dir, Map.of(), Duration.ofSeconds(10), List.of("kill", "-KILL", "--",
        "-" + groupId));
    leader.waitFor();

    await().atMost(Duration.ofSeconds(10)).until(() -> migrationSessions(db) == 0);
    assertThat(versionRows(db)).containsExactly(HEAD);
  }
}
