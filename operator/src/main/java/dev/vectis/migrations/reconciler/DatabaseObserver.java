package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.database.DatabaseConfigException;
import dev.vectis.migrations.database.DatabaseProblem;
import dev.vectis.migrations.database.SecretConnection;
import dev.vectis.migrations.database.SecretMasker;
import dev.vectis.migrations.database.VersionTableReader;
import dev.vectis.migrations.jobs.JobFactory;
import dev.vectis.migrations.plan.DatabaseState;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the truth from the database: the Secret named by the spec, then the version table over
 * JDBC. Anything missing or unreachable is a {@link DatabaseState.Unavailable} with a message
 * that names what is wrong and never the password.
 */
public class DatabaseObserver {
  /**
   * @param access how Jobs reach the database (null when the Secret cannot be used)
   * @param serverMajor the server's major version (0 when unknown)
   */
  public record Observed(DatabaseState state, JobFactory.DatabaseAccess access, int serverMajor,
      SecretMasker masker) {}

  public Observed observe(KubernetesClient client, SchemaMigration resource) {
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
    Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
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
      VersionTableReader.Observed observed = VersionTableReader.of(
          spec.alembic.versionTableSchema, spec.alembic.versionTable).observe(settings);
      return new Observed(new DatabaseState.Rows(observed.rows()), new JobFactory.DatabaseAccess(
          settings, secretName, passwordKey, observed.schema()), observed.serverMajor(),
          settings.masker());
    } catch (SQLException e) {
      return new Observed(DatabaseProblem.classify(e, settings).state(), null, 0,
          settings.masker());
    } catch (IllegalArgumentException e) {
      return new Observed(new DatabaseState.Unavailable(e.getMessage()), null, 0,
          settings.masker());
    }
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
