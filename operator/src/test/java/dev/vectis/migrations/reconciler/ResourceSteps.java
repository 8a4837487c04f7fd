package dev.vectis.migrations.reconciler;

import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SecretRef;
import dev.vectis.migrations.testing.TestDatabase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * What the end-to-end tests do to and wait for in the test API server: the Secret, a
 * SchemaMigration, its conditions, Ready at given rows, its migrate Job.
 */
class ResourceSteps {
  static final String NAMESPACE = OperatorEndToEndTest.NAMESPACE;

  final KubernetesClient client;

  ResourceSteps(KubernetesClient client) {
    this.client = client;
  }

  void createSecret(TestDatabase db) {
    client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder()
        .withNewMetadata().withName("vectis-db-app").withNamespace(NAMESPACE).endMetadata()
        .addToData("host", base64("localhost"))
        .addToData("port", base64(Integer.toString(db.port())))
        .addToData("dbname", base64(db.name()))
        .addToData("user", base64(db.user()))
        .addToData("password", base64(OperatorEndToEndTest.PASSWORD))
        .build()).create();
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  SchemaMigration create(String name, String target, String image) {
    return create(name, target, image, spec -> { });
  }

  /** A SchemaMigration whose first generation already has {@code change} made. */
  SchemaMigration create(String name, String target, String image,
      java.util.function.Consumer<SchemaMigrationSpec> change) {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE)
        .build());
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    spec.image = image;
    spec.targetRevision = target;
    spec.alembic.workingDir = "/app/vectis/backend";
    spec.database = new DatabaseSpec();
    spec.database.secretRef = new SecretRef();
    spec.database.secretRef.name = "vectis-db-app";
    spec.seed.command = List.of("python3", "-m", "vectis.core.seed");
    spec.seed.workingDir = "/app";
    change.accept(spec);
    resource.setSpec(spec);
    return client.resources(SchemaMigration.class).inNamespace(NAMESPACE).resource(resource)
        .create();
  }

  SchemaMigration get(String name) {
    return client.resources(SchemaMigration.class).inNamespace(NAMESPACE).withName(name).get();
  }

  Condition condition(String name, String type) {
    SchemaMigration resource = get(name);
    if (resource == null || resource.getStatus() == null
        || resource.getStatus().conditions == null) {
      return null;
    }
    return resource.getStatus().conditions.stream().filter(c -> c.getType().equals(type))
        .findFirst().orElse(null);
  }

  /** As kubectl edit: on a conflict with the operator's status write, read again and retry. */
  void editSpec(String name, java.util.function.Consumer<SchemaMigrationSpec> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.resources(SchemaMigration.class).inNamespace(NAMESPACE).withName(name).edit(r -> {
          change.accept(r.getSpec());
          return r; // the test API server advances the generation, as Kubernetes does
        });
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  /** Waits until condition {@code type} is True (with {@code reason}, unless null). */
  void awaitCondition(String name, String type, String reason) {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
      Condition condition = condition(name, type);
      return condition != null && "True".equals(condition.getStatus())
          && (reason == null || reason.equals(condition.getReason()));
    });
  }

  void awaitReadyAt(String name, String... rows) {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
      SchemaMigration resource = get(name);
      Condition ready = condition(name, "Ready");
      return ready != null && "True".equals(ready.getStatus())
          && resource.getStatus().observedGeneration.equals(resource.getMetadata()
              .getGeneration())
          && Set.of(rows).equals(Set.of(resource.getStatus().currentRevision.split(",")));
    });
  }

  /** Waits until the status names a migrate Job (recorded as created, if asked). */
  void awaitMigrateJob(String name, boolean created) {
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      var status = get(name).getStatus();
      return status != null && status.activeJob != null
          && "migrate".equals(status.activeJob.action)
          && (!created || Boolean.TRUE.equals(status.activeJob.created));
    });
  }

}
