package dev.vectis.migrations.reconciler;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SecretRef;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.TestDatabase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator in-process against fabric8's mock API server (CRUD mode), with the kubelet
 * stand-in running every Job for real: Debian's Alembic on examples/vectis-backend, the real
 * PostgreSQL, the real pg_dump.
 */
@EnableKubernetesMockClient(crud = true)
@ExtendWith(PostgresExtension.class)
class OperatorEndToEndTest {
  static final String IMAGE = "registry.example.com/vectis/backend:1.14.0";
  static final String NAMESPACE = "shop";
  static final String PASSWORD = "Sup3r-s3cret-pw";

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path volume;
  private KubeletStandIn kubelet;
  private OperatorRunner operator;

  @BeforeEach
  void startOperatorAndKubelet() {
    kubelet = new KubeletStandIn(client, server, Map.of(IMAGE, ProjectPaths.vectisProject()),
        volume).start();
    operator = OperatorRunner.start(client, Set.of(), null, Clock.systemUTC(),
        new DatabaseObserver());
  }

  @AfterEach
  void stop() {
    operator.close();
    kubelet.close();
  }

  private void createSecret(TestDatabase db) {
    client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder()
        .withNewMetadata().withName("vectis-db-app").withNamespace(NAMESPACE).endMetadata()
        // As the API server stores it: base64 in data.
        .addToData("host", base64("localhost"))
        .addToData("port", base64(Integer.toString(db.port())))
        .addToData("dbname", base64(db.name()))
        .addToData("user", base64(db.user()))
        .addToData("password", base64(PASSWORD))
        .build()).create();
  }

  private static String base64(String value) {
    return java.util.Base64.getEncoder().encodeToString(
        value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private SchemaMigration create(String name, String target) {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE)
        .build());
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    spec.image = IMAGE;
    spec.targetRevision = target;
    spec.alembic.workingDir = "/app/vectis/backend";
    spec.database = new DatabaseSpec();
    spec.database.secretRef = new SecretRef();
    spec.database.secretRef.name = "vectis-db-app";
    spec.seed.command = List.of("python3", "-m", "vectis.core.seed");
    spec.seed.workingDir = "/app";
    resource.setSpec(spec);
    return client.resources(SchemaMigration.class).inNamespace(NAMESPACE).resource(resource)
        .create();
  }

  private SchemaMigration get(String name) {
    return client.resources(SchemaMigration.class).inNamespace(NAMESPACE).withName(name).get();
  }

  private Condition condition(String name, String type) {
    SchemaMigration resource = get(name);
    if (resource == null || resource.getStatus() == null
        || resource.getStatus().conditions == null) {
      return null;
    }
    return resource.getStatus().conditions.stream().filter(c -> c.getType().equals(type))
        .findFirst().orElse(null);
  }

  private void awaitCondition(String name, String type, String reason) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      Condition condition = condition(name, type);
      return condition != null && "True".equals(condition.getStatus())
          && (reason == null || reason.equals(condition.getReason()));
    });
  }

  @Test
  void aFreshDatabaseIsInspectedMigratedSeededAndReady(TestDatabase db) throws SQLException {
    createSecret(db);
    create("vectis-backend", "head");
    awaitCondition("vectis-backend", "Ready", null);

    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(db.count("SELECT count(*) FROM roles")).isEqualTo(3);
    assertThat(kubelet.runs()).extracting(KubeletStandIn.Run::action)
        .containsExactly("inspect", "migrate", "seed");
    SchemaMigration ready = get("vectis-backend");
    assertThat(ready.getStatus().currentRevision).isEqualTo(HEAD);
    assertThat(ready.getStatus().targetRevision).isEqualTo(HEAD);
    assertThat(ready.getStatus().appliedImage).isEqualTo(IMAGE);
    assertThat(ready.getStatus().lastMigration.direction).isEqualTo("upgrade");
    assertThat(ready.getStatus().lastSeed.revision).isEqualTo(HEAD);
    assertThat(ready.getStatus().activeJob).isNull();
    assertThat(ready.getStatus().conditions).allMatch(c ->
        c.getObservedGeneration().equals(ready.getMetadata().getGeneration()));

    List<String> reasons = client.v1().events().inNamespace(NAMESPACE).list().getItems()
        .stream().sorted(java.util.Comparator.comparing(Event::getLastTimestamp))
        .map(Event::getReason).toList();
    assertThat(reasons).containsSubsequence("Inspecting", "Migrating", "Seeding", "AtTarget");
  }

  @Test
  void aTargetBehindTheDatabaseIsRefusedWithoutAJob(TestDatabase db) throws SQLException {
    createSecret(db);
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    create("vectis-backend", "a3e2f1b8c9d4");
    awaitCondition("vectis-backend", "Stalled", "DowngradeNotAllowed");

    assertThat(condition("vectis-backend", "Stalled").getMessage())
        .contains("would undo 5731d674e022 (multi_currency), c9d8e7f6a5b4 (merge_branches)");
    assertThat(condition("vectis-backend", "Ready").getStatus()).isEqualTo("False");
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(kubelet.runs()).extracting(KubeletStandIn.Run::action).containsExactly("inspect");
  }

  @Test
  void aMissingSecretWaitsAndProceedsOnceItExists(TestDatabase db) throws SQLException {
    create("vectis-backend", "head");
    awaitCondition("vectis-backend", "Reconciling", "WaitingForDatabase");
    assertThat(condition("vectis-backend", "Reconciling").getMessage())
        .isEqualTo("Secret vectis-db-app not found in namespace shop");

    createSecret(db);
    awaitCondition("vectis-backend", "Ready", null);
    assertThat(versionRows(db)).containsExactly(HEAD);
  }

  @Test
  void thePasswordAppearsNowhere(TestDatabase db) {
    createSecret(db);
    create("vectis-backend", "head");
    awaitCondition("vectis-backend", "Ready", null);

    assertThat(Serialization.asYaml(get("vectis-backend"))).doesNotContain(PASSWORD);
    assertThat(Serialization.asYaml(client.batch().v1().jobs().inNamespace(NAMESPACE).list()))
        .doesNotContain(PASSWORD).contains("secretKeyRef");
    assertThat(Serialization.asYaml(client.v1().events().inNamespace(NAMESPACE).list()))
        .doesNotContain(PASSWORD);
    assertThat(Serialization.asYaml(client.configMaps().inNamespace(NAMESPACE).list()))
        .doesNotContain(PASSWORD);
  }
}
