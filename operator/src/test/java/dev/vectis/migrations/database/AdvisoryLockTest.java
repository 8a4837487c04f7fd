package dev.vectis.migrations.database;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class AdvisoryLockTest {
  private final AdvisoryLock lock = AdvisoryLock.forVersionTable("vectis", "public",
      "alembic_version");

  @Test
  void theKeyIsStableAndPerVersionTable() {
    assertThat(AdvisoryLock.forVersionTable("vectis", "public", "alembic_version").key())
        .isEqualTo(lock.key());
    assertThat(AdvisoryLock.forVersionTable("vectis", "app", "alembic_version").key())
        .isNotEqualTo(lock.key());
    assertThat(AdvisoryLock.forVersionTable("other", "public", "alembic_version").key())
        .isNotEqualTo(lock.key());
    // An unset schema is not a schema: it must be resolved first (VersionTableReader).
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AdvisoryLock.forVersionTable(
        "vectis", null, "alembic_version")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSecondSessionIsKeptOutAndTheHolderIsReported(TestDatabase db) throws SQLException {
    try (Connection first = db.connect(); Connection second = db.connect()) {
      try (Statement statement = first.createStatement()) {
        statement.execute("SET application_name = 'vectis-migrate-job'");
      }
      assertThat(lock.tryLock(first)).isTrue();
      assertThat(lock.tryLock(second)).isFalse();
      assertThat(lock.lock(second, Duration.ofMillis(200))).as("waits, then gives up").isFalse();

      AdvisoryLock.Holder holder = lock.holder(second).orElseThrow();
      assertThat(holder.pid()).isEqualTo(pid(first));
      assertThat(holder.applicationName()).isEqualTo("vectis-migrate-job");
      assertThat(holder.since()).isNotNull();

      assertThat(lock.unlock(first)).isTrue();
      assertThat(lock.holder(second)).isEmpty();
      assertThat(lock.lock(second, Duration.ofSeconds(5))).isTrue();
      assertThat(lock.tryLock(first)).isFalse();
    }
  }

  @Test
  void closingTheSessionReleasesTheLock(TestDatabase db) throws SQLException {
    try (Connection second = db.connect()) {
      try (Connection first = db.connect()) {
        assertThat(lock.tryLock(first)).isTrue();
      }
      assertThat(lock.lock(second, Duration.ofSeconds(5))).isTrue();
    }
  }

  private static int pid(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        var result = statement.executeQuery("SELECT pg_backend_pid()")) {
      result.next();
      return result.getInt(1);
    }
  }
}
