package dev.vectis.migrations.reconciler;

import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SecretRef;
import dev.vectis.migrations.jobs.JobFactory;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.TestDatabase;
import dev.vectis.migrations.testing.VectisProject;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Test harness for end-to-end scenarios with several operator instances: the test API server,
 * the kubelet stand-in, the images, and the helpers the scenarios share. Each operator
 * instance gets its own client (its own User-Agent in {@link TestApiServer#writes()}), so a
 * test can stop one for good by closing its operator and its client.
 */
final class EndToEndHarness implements AutoCloseable {
  static final String NAMESPACE = OperatorEndToEndTest.NAMESPACE;
  static final String IMAGE = OperatorEndToEndTest.IMAGE;
  /** One quick revision after head: the migrations these scenarios hold and release. */
  static final String NEXT_IMAGE = "registry.example.com/vectis/backend:next";
  static final String NEXT = "f5f5f5f5f5f5";

  final TestApiServer api;
  final KubernetesClient client;
  final KubeletStandIn kubelet;
  private final List<AutoCloseable> instances = new ArrayList<>();

  EndToEndHarness(Path images, Path volume) throws IOException {
    api = TestApiServer.start();
    client = api.client();
    Path next = VectisProject.copy(images.resolve("next"), List.of(), Map.of(
        VectisProject.VERSIONS + NEXT + "_next.py", VectisProject.revisionAfterHead(NEXT,
            "add_next_rows", "CREATE TABLE next_rows (n integer)")));
    kubelet = new KubeletStandIn(client, api.server(), Map.of(IMAGE, ProjectPaths.vectisProject(),
        NEXT_IMAGE, next), volume).start();
  }

  /** An operator instance with a client of its own, closed with the harness. */
  record Instance(String name, KubernetesClient client, OperatorRunner operator)
      implements AutoCloseable {
    /** Stops the operator and cuts its client: it can do nothing more. */
    @Override
    public void close() {
      try {
        operator.close();
      } finally {
        client.close();
      }
    }
  }

  Instance start(String name, OperatorRunner.Settings settings) {
    return start(name, api.newClient(name), settings);
  }

  Instance start(String name, KubernetesClient instanceClient, OperatorRunner.Settings settings) {
    Instance instance = new Instance(name, instanceClient,
        OperatorRunner.start(instanceClient, settings));
    instances.add(instance);
    return instance;
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

  /** The migrate Jobs in the API server now. */
  List<Job> migrateJobs() {
    return client.batch().v1().jobs().inNamespace(NAMESPACE)
        .withLabel(JobFactory.ACTION_LABEL, "migrate").list().getItems();
  }

  /** Every migrate Job any client asked the API server to create, with who asked. */
  List<TestApiServer.Write> migrateJobCreations() {
    return api.writes().stream().filter(write -> write.method().equals("POST")
        && write.path().endsWith("/jobs") && write.body().contains("\"" + JobFactory.ACTION_LABEL
            + "\":\"migrate\"")).toList();
  }

  @Override
  public void close() {
    try {
      for (AutoCloseable instance : instances) {
        try {
          instance.close();
        } catch (Exception e) {
          // already stopped
        }
      }
      kubelet.assertNoFailures();
    } finally {
      kubelet.close();
      api.close();
    }
  }
}
