package dev.vectis.migrations.local;

import dev.vectis.migrations.database.ConnectionSettings;
import java.util.HashMap;
import java.util.Map;

/**
 * The environment of a local process that connects to the database: libpq's variables and
 * the password for exactly this database, and none of the caller's shell variables that would
 * choose another one. libpq lets a service file ({@code PGSERVICE}) beat {@code PGHOST} and
 * {@code PGDATABASE}, and env.py reads {@code DATABASE_URL}: inherited, they could send the
 * backup, the lock or Alembic to a database the plan was not made for.
 */
public final class DatabaseEnvironment {
  private DatabaseEnvironment() {}

  /**
   * A map for {@link ProcessRunner}: inherited variables mapped to null are removed.
   *
   * @param inherited the caller's environment (System.getenv())
   * @param urlVariables the variables env.py may read the URL from (DATABASE_URL, urlEnv)
   */
  public static Map<String, String> of(ConnectionSettings settings, Map<String, String> inherited,
      String... urlVariables) {
    Map<String, String> env = new HashMap<>();
    inherited.keySet().stream().filter(DatabaseEnvironment::choosesTheDatabase)
        .forEach(name -> env.put(name, null));
    for (String name : urlVariables) {
      env.put(name, null);
    }
    env.putAll(settings.libpqEnvironment());
    if (settings.password() != null) {
      env.put("PGPASSWORD", settings.password());
    }
    return env;
  }

  /**
   * libpq's variables except those that only secure the connection to the chosen server (TLS
   * and Kerberos material, timeouts), which a user may rely on.
   */
  static boolean choosesTheDatabase(String name) {
    return name.startsWith("PG") && !name.startsWith("PGSSL") && !name.startsWith("PGGSS")
        && !name.equals("PGKRBSRVNAME") && !name.equals("PGCONNECT_TIMEOUT");
  }
}
