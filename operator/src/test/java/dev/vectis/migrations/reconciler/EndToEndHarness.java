package dev.vectis.migrations.reconciler;


import dev.vectis.migrations.jobs.JobFactory;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.VectisProject;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Test harness for end-to-end scenarios with several operator instances: the test API server,
 * the kubelet stand-in, the images, and the helpers the scenarios share. Each operator
 * instance gets its own client (its own User-Agent in {@link TestApiServer#writes()}), so a
 * test can stop one for good by closing its operator and its client.
 */
final class EndToEndHarness extends ResourceSteps implements AutoCloseable {
  static final String IMAGE = OperatorEndToEndTest.IMAGE;
  /** One quick revision after head: the migrations these scenarios hold and release. */
  static final String NEXT_IMAGE = "registry.example.com/vectis/backend:next";
  static final String NEXT = "f5f5f5f5f5f5";
  /** An older release: without multi_currency (head c9d8e7f6a5b4). */
  static final String OLD_IMAGE = OperatorEndToEndTest.OLD_IMAGE;

  final TestApiServer api;
  final KubeletStandIn kubelet;
  private final List<AutoCloseable> instances = new ArrayList<>();

  EndToEndHarness(Path images, Path volume) throws IOException {
    this(TestApiServer.start(), images, volume);
  }

  private EndToEndHarness(TestApiServer api, Path images, Path volume) throws IOException {
    super(api.client());
    this.api = api;
    Path next = VectisProject.copy(images.resolve("next"), List.of(), Map.of(
        VectisProject.VERSIONS + NEXT + "_next.py", VectisProject.revisionAfterHead(NEXT,
            "add_next_rows", "CREATE TABLE next_rows (n integer)")));
    Path old = VectisProject.copy(images.resolve("old"),
        List.of("5731d674e022_multi_currency.py"), Map.of());
    kubelet = new KubeletStandIn(client, api.server(), Map.of(IMAGE, ProjectPaths.vectisProject(),
        NEXT_IMAGE, next, OLD_IMAGE, old), volume).start();
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
