package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.database.ConnectionPools;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.database.DatabaseConfigException;
import dev.vectis.migrations.database.DatabaseProblem;
import dev.vectis.migrations.database.ExistingTables;
import dev.vectis.migrations.database.SecretConnection;
import dev.vectis.migrations.database.SecretMasker;
import dev.vectis.migrations.database.VersionTableReader;
import dev.vectis.migrations.jobs.JobFactory;
import dev.vectis.migrations.plan.DatabaseState;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads the truth from the database: the Secret named by the spec (from the informer's
 * cache), then the version table through the database's connection pool. Anything missing or
 * unreachable is a {@link DatabaseState.Unavailable} (or, when a person must act,
 * {@link DatabaseState.Unusable}) with a message that names what is wrong and never the
 * password.
 */
public class DatabaseObserver implements AutoCloseable {
  /**
   * @param access how Jobs reach the database (null when the Secret cannot be used)
   * @param serverMajor the server's major version (0 when unknown)
   */
  public record Observed(DatabaseState state, JobFactory.DatabaseAccess access, int serverMajor,
      SecretMasker masker) {}

  private final ConnectionPools pools;

  public DatabaseObserver(ConnectionPools pools) {
    this.pools = pools;
  }

  public DatabaseObserver() {
    this(new ConnectionPools());
  }

  /** The name of the Secret the spec refers to, or null when the spec names none. */
  public static String secretName(SchemaMigration resource) {
    SchemaMigrationSpec spec = resource.getSpec();
    if (spec == null || spec.database == null) {
      return null;
    }
    try {
      return SecretConnection.secretName(spec.database);
    } catch (DatabaseConfigException e) {
      return null;
    }
  }

  /**
   * The rehearsal's scratch database (spec.rehearsal): how its Job reaches it, or why it
   * cannot. Not connected to here: the rehearsal Job is the first to use it.
   *
   * @param state Rows (empty) when usable; Unavailable while its Secret is missing or
   *     incomplete; Unusable (InvalidSpec) when it is production's own database
   */
  public record Scratch(DatabaseState state, JobFactory.DatabaseAccess access) {}

  /** The rehearsal's scratch database, or null when the spec asks for no rehearsal. */
  public static Scratch scratch(SchemaMigration resource, Function<String, Secret> secrets,
      JobFactory.DatabaseAccess production) {
    SchemaMigrationSpec spec = resource.getSpec();
    if (spec.rehearsal == null || spec.rehearsal.databaseSecretRef == null
        || spec.rehearsal.databaseSecretRef.name == null) {
      return null;
    }
    String name = spec.rehearsal.databaseSecretRef.name;
    Secret secret = secrets.apply(name);
    if (secret == null) {
      return new Scratch(new DatabaseState.Unavailable("spec.rehearsal.databaseSecretRef: "
          + "Secret " + name + " not found in namespace "
          + resource.getMetadata().getNamespace()), null);
    }
    dev.vectis.migrations.api.DatabaseSpec scratchSpec =
        new dev.vectis.migrations.api.DatabaseSpec();
    scratchSpec.secretRef = spec.rehearsal.databaseSecretRef;
    scratchSpec.sslMode = spec.database == null ? null : spec.database.sslMode;
    Map<String, String> data = decode(secret);
    ConnectionSettings settings;
    String passwordKey;
    try {
      settings = SecretConnection.from(scratchSpec, name, data);
      passwordKey = SecretConnection.passwordKey(scratchSpec, name, data);
    } catch (DatabaseConfigException e) {
      return new Scratch(new DatabaseState.Unavailable("spec.rehearsal.databaseSecretRef: "
          + e.getMessage()), null);
    }
    if (production != null && settings.host().equalsIgnoreCase(production.settings().host())
        && settings.port() == production.settings().port()
        && settings.database().equals(production.settings().database())) {
      return new Scratch(new DatabaseState.Unusable(
          dev.vectis.migrations.plan.Reason.InvalidSpec, "spec.rehearsal.databaseSecretRef: "
          + "Secret " + name + " names production's own database (" + settings.database()
          + " on " + settings.host() + ":" + settings.port() + "); the rehearsal wipes its "
          + "scratch database, so it must be another one"), null);
    }
    return new Scratch(new DatabaseState.Rows(java.util.List.of()),
        new JobFactory.DatabaseAccess(settings, name, passwordKey,
            production == null ? null : production.versionTableSchema()));
  }

  /** @param secrets the Secrets of the resource's namespace by name (null when absent) */
  public Observed observe(SchemaMigration resource, Function<String, Secret> secrets) {
    SchemaMigrationSpec spec = resource.getSpec();
    String namespace = resource.getMetadata().getNamespace();
    if (spec.database == null) {
      return unavailable("spec.database: is required");
    }
    String secretName;
    try {
      secretName = SecretConnection.secretName(spec.database);
    } catch (DatabaseConfigException e) {
      return unavailable(e.getMessage());
    }
    Secret secret = secrets.apply(secretName);
    if (secret == null) {
      return unavailable("Secret " + secretName + " not found in namespace " + namespace);
    }
    Map<String, String> data = decode(secret);
    ConnectionSettings settings;
    String passwordKey;
    try {
      settings = SecretConnection.from(spec.database, secretName, data);
      passwordKey = SecretConnection.passwordKey(spec.database, secretName, data);
    } catch (DatabaseConfigException e) {
      return unavailable(e.getMessage());
    }
    try {
      VersionTableReader.Observed observed = read(settings, spec);
      return new Observed(new DatabaseState.Rows(observed.rows()), new JobFactory.DatabaseAccess(
          settings, secretName, passwordKey, observed.schema()), observed.serverMajor(),
          settings.masker());
    } catch (SQLException e) {
      DatabaseProblem problem = DatabaseProblem.classify(e, settings);
      if (!problem.transientProblem()) {
        // Wrong settings: the next attempt (after the Secret or a grant changed) starts afresh.
        pools.discard(settings);
      }
      return new Observed(problem.state(), null, 0, settings.masker());
    } catch (IllegalArgumentException e) {
      return new Observed(new DatabaseState.Unavailable(e.getMessage()), null, 0,
          settings.masker());
    }
  }

  /**
   * The database's tables ({@link ExistingTables}), for the diagnosis of a schema without its
   * version rows; null when they cannot be read (then nothing is diagnosed).
   */
  public java.util.Set<String> existingTables(Observed observed) {
    if (observed.access() == null) {
      return null;
    }
    try (Connection connection = pools.connect(observed.access().settings())) {
      return ExistingTables.read(connection);
    } catch (SQLException e) {
      return null;
    }
  }

  /**
   * Reads on a pooled connection; a connection the server has closed since (a restart, a
   * failover) costs one more attempt on a new one, not a WaitingForDatabase.
   */
  private VersionTableReader.Observed read(ConnectionSettings settings,
      SchemaMigrationSpec spec) throws SQLException {
    VersionTableReader reader = VersionTableReader.of(spec.alembic.versionTableSchema,
        spec.alembic.versionTable);
    try (Connection connection = pools.connect(settings)) {
      return reader.observe(connection);
    } catch (SQLException e) {
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      if (!state.startsWith("08") && !state.startsWith("57P")) {
        throw e;
      }
    }
    try (Connection connection = pools.connect(settings)) {
      return reader.observe(connection);
    }
  }

  @Override
  public void close() {
    pools.close();
  }

  private static Observed unavailable(String message) {
    return new Observed(new DatabaseState.Unavailable(message), null, 0,
        SecretMasker.generic());
  }

  private static Map<String, String> decode(Secret secret) {
    Map<String, String> data = new HashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((key, value) -> data.put(key,
          new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8)));
    }
    if (secret.getStringData() != null) {
      data.putAll(secret.getStringData());
    }
    return data;
  }
}
