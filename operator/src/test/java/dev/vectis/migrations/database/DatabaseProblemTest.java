package dev.vectis.migrations.database;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.api.SslMode;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Real connection failures against the test server, each classified. */
@ExtendWith(PostgresExtension.class)
public class DatabaseProblemTest {
  /** Connects, which must fail, and classifies the failure (never naming the password). */
  public static DatabaseProblem connect(ConnectionSettings settings) {
    try (var connection = DriverManager.getConnection(settings.jdbcUrl(),
        settings.jdbcProperties())) {
      throw new AssertionError("connected to " + settings);
    } catch (SQLException e) {
      DatabaseProblem problem = DatabaseProblem.classify(e, settings);
      assertThat(problem.message()).doesNotContain(settings.password());
      return problem;
    }
  }

  @Test
  void aWrongPortIsUnreachableAndTransient(TestDatabase db) throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    DatabaseProblem problem = connect(new ConnectionSettings("127.0.0.1", closedPort, db.name(),
        "postgres", "secret-pw", SslMode.DISABLE));
    assertThat(problem.kind()).isEqualTo(DatabaseProblem.Kind.UNREACHABLE);
    assertThat(problem.transientProblem()).isTrue();
    assertThat(problem.message()).startsWith("cannot reach PostgreSQL at 127.0.0.1:" + closedPort);
  }

  @Test
  void aWrongPasswordIsAnAuthenticationFailure(TestDatabase db) {
    PostgresExtension.createPasswordRole("vectis_pw", "right-password");
    DatabaseProblem problem = connect(new ConnectionSettings("127.0.0.1", db.port(), db.name(),
        "vectis_pw", "wrong-password", SslMode.DISABLE));
    assertThat(problem.kind()).isEqualTo(DatabaseProblem.Kind.AUTHENTICATION_FAILED);
    assertThat(problem.transientProblem()).isFalse();
    assertThat(problem.message()).isEqualTo("authentication failed for user \"vectis_pw\" at "
        + "127.0.0.1:" + db.port() + "; check the password (the Secret's; in local mode "
        + "PGPASSWORD, ~/.pgpass or --password-file)");
  }

  @Test
  void aMissingDatabase(TestDatabase db) {
    DatabaseProblem problem = connect(new ConnectionSettings("localhost", db.port(),
        "no_such_db", "postgres", "secret-pw", SslMode.DISABLE));
    assertThat(problem.kind()).isEqualTo(DatabaseProblem.Kind.DATABASE_MISSING);
    assertThat(problem.transientProblem()).isFalse();
    assertThat(problem.message()).isEqualTo("database \"no_such_db\" does not exist on "
        + "localhost:" + db.port());
  }

  @Test
  void tlsRequiredByTheClientButNotOffered(TestDatabase db) {
    DatabaseProblem problem = connect(new ConnectionSettings("localhost", db.port(), db.name(),
        "postgres", "secret-pw", SslMode.REQUIRE));
    assertThat(problem.kind()).isEqualTo(DatabaseProblem.Kind.TLS_REQUIRED);
    assertThat(problem.transientProblem()).isFalse();
  }

  @Test
  void permissionDenied(TestDatabase db) throws SQLException {
    PostgresExtension.createPasswordRole("vectis_reader", "reader-pw");
    db.execute("CREATE TABLE alembic_version (version_num varchar(32))");
    db.execute("REVOKE ALL ON alembic_version FROM PUBLIC");
    ConnectionSettings settings = new ConnectionSettings("127.0.0.1", db.port(), db.name(),
        "vectis_reader", "reader-pw", SslMode.DISABLE);
    try (var connection = DriverManager.getConnection(settings.jdbcUrl(),
        settings.jdbcProperties())) {
      VersionTableReader.of(null, "alembic_version").read(connection);
      throw new AssertionError("read a table without the privilege");
    } catch (SQLException e) {
      DatabaseProblem problem = DatabaseProblem.classify(e, settings);
      assertThat(problem.kind()).isEqualTo(DatabaseProblem.Kind.PERMISSION_DENIED);
      assertThat(problem.message()).startsWith("permission denied for user \"vectis_reader\"");
    }
  }

  @Test
  void aVersionTableThatIsNotAlembicsStallsInsteadOfWaiting(TestDatabase db) throws SQLException {
    db.execute("CREATE TABLE alembic_version (id integer)");
    try {
      VersionTableReader.of(null, "alembic_version").observe(db.settings());
      throw new AssertionError("read a version table without version_num");
    } catch (SQLException e) {
      DatabaseProblem problem = DatabaseProblem.classify(e, db.settings());
      assertThat(problem.kind()).isEqualTo(DatabaseProblem.Kind.INVALID_VERSION_TABLE);
      assertThat(problem.transientProblem()).isFalse();
      assertThat(problem.state()).isEqualTo(new dev.vectis.migrations.plan.DatabaseState.Unusable(
          dev.vectis.migrations.plan.Reason.InvalidVersionTable, problem.message()));
      assertThat(problem.message()).contains("version_num", "spec.alembic.versionTable");
    }
  }
}
