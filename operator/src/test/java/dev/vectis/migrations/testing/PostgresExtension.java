package dev.vectis.migrations.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real PostgreSQL for tests: a fresh database for every {@link TestDatabase} parameter, on
 * the one server of {@link PostgresServer#DEFAULT_MAJOR} (15) this test JVM starts on first
 * use. Tests of other majors ask {@link PostgresServer#of(int)} directly.
 */
public final class PostgresExtension implements ParameterResolver {
  static PostgresServer server() {
    return PostgresServer.of(PostgresServer.DEFAULT_MAJOR);
  }

  /** Creates a new, empty database on the shared server. */
  public static TestDatabase newDatabase() {
    return server().newDatabase();
  }

  /**
   * A role that must log in with its password (the server otherwise trusts local
   * connections): it lets tests see a real authentication failure.
   */
  public static void createPasswordRole(String role, String password) {
    server().createPasswordRole(role, password);
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
