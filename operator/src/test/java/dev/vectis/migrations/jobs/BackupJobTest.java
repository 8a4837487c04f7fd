package dev.vectis.migrations.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.api.SslMode;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.database.DatabaseIdentity;
import dev.vectis.migrations.plan.Action;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The backup Job writes under the database's identity, with the metadata it needs. */
class BackupJobTest {
  private static final String PASSWORD = "n0t-in-any-spec!";

  private static JobFactory.DatabaseAccess database(String host, String name) {
    return new JobFactory.DatabaseAccess(new ConnectionSettings(host, 5432, name, "app",
        PASSWORD, SslMode.REQUIRE), "vectis-db-app", "password", "public");
  }

  private static SchemaMigration resource() {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName("vectis-backend").withNamespace("shop")
        .withUid("6f1c0e8e-1b7a-4c55-9e0d-3a4b5c6d7e8f").withGeneration(4L).build());
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    spec.image = "registry.example.com/vectis/backend:1.13.0";
    spec.database = new DatabaseSpec();
    spec.database.cnpgCluster = "vectis-db";
    spec.alembic.versionTableSchema = "ops";
    resource.setSpec(spec);
    resource.setStatus(new SchemaMigrationStatus());
    resource.getStatus().appliedImage = "registry.example.com/vectis/backend:1.14.0";
    return resource;
  }

  private static Container backupContainer(JobFactory.DatabaseAccess database) {
    Job job = JobFactory.backup(resource(), new Action.BackUp(List.of("5731d674e022")), database,
        "postgres:15-alpine", "vectis-backend-backups");
    assertThat(Serialization.asYaml(job)).doesNotContain(PASSWORD);
    return job.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static String env(Container container, String name) {
    return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
        .map(EnvVar::getValue).orElseThrow();
  }

  @Test
  void oneResourceAgainstTwoDatabasesWritesTwoDirectories() {
    Container prod = backupContainer(database("prod-db-rw.db", "app"));
    Container staging = backupContainer(database("staging-db-rw.db", "app"));
    String prodKey = new DatabaseIdentity("prod-db-rw.db", 5432, "app").key();
    assertThat(env(prod, "BACKUP_DIR")).isEqualTo("/backups/" + prodKey);
    assertThat(env(prod, "BACKUP_KEY")).isEqualTo(prodKey);
    assertThat(env(staging, "BACKUP_DIR")).isNotEqualTo(env(prod, "BACKUP_DIR"))
        .doesNotContain("vectis-backend");
  }

  @Test
  void theMetadataNamesDatabaseResourceRowsImageAndVersionTable() throws Exception {
    JsonNode metadata = new ObjectMapper().readTree(env(
        backupContainer(database("prod-db-rw.db", "app")), "BACKUP_METADATA"));
    assertThat(metadata.at("/database/host").asText()).isEqualTo("prod-db-rw.db");
    assertThat(metadata.at("/database/port").asInt()).isEqualTo(5432);
    assertThat(metadata.at("/database/database").asText()).isEqualTo("app");
    assertThat(metadata.at("/database/key").asText())
        .isEqualTo(new DatabaseIdentity("prod-db-rw.db", 5432, "app").key());
    assertThat(metadata.at("/resource/namespace").asText()).isEqualTo("shop");
    assertThat(metadata.at("/resource/name").asText()).isEqualTo("vectis-backend");
    assertThat(metadata.at("/rows/0").asText()).isEqualTo("5731d674e022");
    assertThat(metadata.at("/image").asText()).as("the image that knows these rows")
        .isEqualTo("registry.example.com/vectis/backend:1.14.0");
    assertThat(metadata.at("/versionTable").asText()).isEqualTo("alembic_version");
    assertThat(metadata.at("/versionTableSchema").asText()).isEqualTo("ops");
    assertThat(metadata.at("/toolVersion").asText()).isNotBlank();
  }

  @Test
  void theLocationIsTheClaimAndThePathInsideTheVolume() {
    String key = new DatabaseIdentity("prod-db-rw.db", 5432, "app").key();
    JobFactory.DatabaseAccess prod = database("prod-db-rw.db", "app");
    assertThat(JobFactory.backupLocation(resource(), null,
        "/backups/" + key + "/20261126T071502Z-5731d674e022.dump"))
        .isEqualTo("vectis-backend-backups:" + key + "/20261126T071502Z-5731d674e022.dump");
    assertThat(JobFactory.backupLocation(resource(), prod,
        "/elsewhere/20261126T071502Z-5731d674e022.dump"))
        .isEqualTo("vectis-backend-backups:" + key + "/20261126T071502Z-5731d674e022.dump");
    assertThat(JobFactory.backupLocation(resource(), null, "/backups/../etc/x.dump"))
        .isEqualTo("vectis-backend-backups:x.dump");
  }
}
