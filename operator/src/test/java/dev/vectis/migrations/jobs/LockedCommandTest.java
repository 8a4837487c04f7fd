package dev.vectis.migrations.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.database.AdvisoryLock;
import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Python wrapper and the Java side take the same lock: each keeps the other out. */
@ExtendWith(PostgresExtension.class)
class LockedCommandTest {
  private final AdvisoryLock lock = AdvisoryLock.forVersionTable("vectis", null,
      "alembic_version");

  private ProcessRunner.Result runLocked(TestDatabase db, long waitSeconds,
      List<String> command) {
    Map<String, String> env = new HashMap<>(db.settings().libpqEnvironment());
    env.put("PGPASSWORD", db.password());
    return ProcessRunner.run(Path.of("."), env, Duration.ofMinutes(1), LockedCommand.command(
        ExternalTools.python().toString(), lock.key(), waitSeconds, command));
  }

  @Test
  void theWrapperRunsTheCommandUnderTheLockAndReturnsItsExitCode(TestDatabase db) {
    ProcessRunner.Result ok = runLocked(db, 5, List.of("sh", "-c", "echo inside; exit 3"));
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
      ProcessRunner.Result result = runLocked(db, 2, List.of("sh", "-c", "echo never ran"));
      assertThat(result.exitCode()).isEqualTo(LockedCommand.LOCK_TIMEOUT_EXIT);
      assertThat(result.output()).contains("migration lock: waiting for pid",
          "(schema-migration-operator)", "giving up").doesNotContain("never ran");
      lock.unlock(holder);
    }
    assertThat(runLocked(db, 2, List.of("true")).exitCode()).isZero();
  }

  @Test
  void whileTheWrapperRunsTheJavaSideCannotTakeTheLock(TestDatabase db) throws Exception {
    Thread wrapper = new Thread(() -> runLocked(db, 5, List.of("sleep", "3")));
    wrapper.start();
    try (Connection other = db.connect()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> lock.holder(other).isPresent());
      assertThat(lock.tryLock(other)).isFalse();
    }
    wrapper.join();
  }
}
