package dev.vectis.migrations.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real PostgreSQL 15 for tests: one embedded server per test JVM (started on first use,
 * stopped at JVM exit), and a fresh database for every {@link TestDatabase} parameter.
 */
public final class PostgresExtension implements ParameterResolver {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres server;

  static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
      }
      EmbeddedPostgres started = server;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          started.close();
        } catch (IOException ignored) {
          // the JVM is exiting; the temporary data directory goes with it
        }
      }));
    }
    return server;
  }

  /** Creates a new, empty database on the shared server. */
  public static TestDatabase newDatabase() {
    String name = "t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection admin = server().getPostgresDatabase().getConnection();
        Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
    return new TestDatabase("localhost", server().getPort(), name, "postgres", "postgres");
  }

  /**
   * A role that must log in with its password (the server otherwise trusts local
   * connections): it lets tests see a real authentication failure.
   */
  public static synchronized void createPasswordRole(String role, String password) {
    try (Connection admin = server().getPostgresDatabase().getConnection();
        Statement statement = admin.createStatement()) {
      var hba = statement.executeQuery("SHOW hba_file");
      hba.next();
      java.nio.file.Path file = java.nio.file.Path.of(hba.getString(1));
      String rules = java.nio.file.Files.readString(file);
      String rule = "host all " + role + " 127.0.0.1/32 scram-sha-256\n"
          + "host all " + role + " ::1/128 scram-sha-256\n";
      if (!rules.contains(rule)) {
        java.nio.file.Files.writeString(file, rule + rules);
        statement.execute("SELECT pg_reload_conf()");
      }
      statement.execute("DROP ROLE IF EXISTS " + role);
      statement.execute("SET password_encryption = 'scram-sha-256'");
      statement.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("cannot create the password role " + role, e);
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestDatabase.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return newDatabase();
  }
}
