package dev.vectis.migrations.benchmarks;

import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SecretRef;
import dev.vectis.migrations.local.LocalAlembic;
import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.reconciler.GraphCache;
import dev.vectis.migrations.reconciler.OperatorRunner;
import dev.vectis.migrations.revision.InspectionScript;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Operator benchmark, not a test (DESIGN §8): N SchemaMigrations whose database is already at
 * head, the operator started afterwards: time until all are Ready, the mean reconcile time once
 * they are, the latency from a CR change to its Job, and the JVM's RSS. Against fabric8's mock
 * API server (CRUD mode) and one embedded PostgreSQL, in this JVM.
 */
public final class OperatorBenchmark {
  private static final String IMAGE = "registry.example.com/vectis/backend:1.14.0";
  private static final String NAMESPACE = "shop";

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    Path root = Path.of(OperatorBenchmark.class.getResource("/").toURI()).getParent()
        .getParent().getParent();
    Path project = root.resolve("examples/vectis-backend");
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
        new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init();
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
        KubernetesClient client = server.createClient()) {
      String url = "postgresql://postgres@localhost:" + postgres.getPort() + "/postgres";
      ProcessRunner.Result migrated = ProcessRunner.run(project.resolve("vectis/backend"),
          Map.of("DATABASE_URL", url), Duration.ofMinutes(2),
          List.of("/usr/bin/alembic", "upgrade", "head"));
      if (!migrated.succeeded()) {
        throw new IllegalStateException(migrated.output());
      }
      String graph = ProcessRunner.run(project.resolve("vectis/backend"), Map.of(),
          Duration.ofMinutes(1), InspectionScript.command(LocalAlembic.defaultPython(),
              "alembic.ini")).output().strip();
      client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder()
          .withNewMetadata().withName("vectis-db-app").endMetadata()
          .addToData(Map.of("host", b64("localhost"), "port", b64("" + postgres.getPort()),
              "dbname", b64("postgres"), "user", b64("postgres"), "password", b64("postgres")))
          .build()).create();
      for (int i = 0; i < count; i++) {
        String name = "smig-" + i;
        SchemaMigration created = client.resources(SchemaMigration.class).inNamespace(NAMESPACE)
            .resource(resource(name)).create();
        client.configMaps().inNamespace(NAMESPACE).resource(GraphCache.toConfigMap(created,
            IMAGE, graph, java.time.Instant.now())).create();
      }

      long start = System.nanoTime();
      OperatorRunner operator = OperatorRunner.start(client,
          OperatorRunner.Settings.defaults()).serveHealth(0);
      try {
        while (ready(client) < count) {
          Thread.sleep(100);
        }
        double allReady = (System.nanoTime() - start) / 1e9;

        Map<String, Long> jobSeen = new ConcurrentHashMap<>();
        var jobs = client.batch().v1().jobs().inNamespace(NAMESPACE).inform(
            new ResourceEventHandler<Job>() {
              @Override
              public void onAdd(Job job) {
                jobSeen.putIfAbsent(job.getMetadata().getOwnerReferences().get(0).getName(),
                    System.nanoTime());
              }

              @Override
              public void onUpdate(Job before, Job after) {}

              @Override
              public void onDelete(Job job, boolean unknown) {}
            });
        // Reconciles with nothing to do: a second operator (the first stopped) reconciles
        // every resource again, all at their target; JOSDK's reconcile timer.
        operator.close();
        double[] idle;
        try (OperatorRunner second = OperatorRunner.start(client,
          OperatorRunner.Settings.defaults()).serveHealth(0)) {
          idle = reconcileSeconds(scrape(second));
          while (idle[0] < count) {
            Thread.sleep(100);
            idle = reconcileSeconds(scrape(second));
          }
        }
        operator = OperatorRunner.start(client, OperatorRunner.Settings.defaults());
        List<Double> latencies = new ArrayList<>();
        for (int i = 0; i < Math.min(100, count); i++) {
          String name = "smig-" + i;
          long edited = System.nanoTime();
          client.resources(SchemaMigration.class).inNamespace(NAMESPACE).withName(name)
              .edit(r -> {
                r.getSpec().image = IMAGE + "-next";
                r.getMetadata().setGeneration(r.getMetadata().getGeneration() + 1);
                return r;
              });
          while (!jobSeen.containsKey(name)) {
            Thread.sleep(1);
          }
          latencies.add((jobSeen.get(name) - edited) / 1e6);
        }
        jobs.close();
        latencies.sort(null);
        System.out.printf(Locale.ROOT, "| %,d SchemaMigrations at target: all Ready after "
            + "operator start | %.1f s |%n", count, allReady);
        System.out.printf(Locale.ROOT, "| a reconcile with nothing to do (mean of %.0f, after a "
            + "restart) | %.1f ms |%n", idle[0], idle[1] / idle[0] * 1000);
        System.out.printf(Locale.ROOT, "| CR change → Job created (n=%d): p50, p99 | %.0f ms, "
            + "%.0f ms |%n", latencies.size(), latencies.get(latencies.size() / 2),
            latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1));
        System.out.printf(Locale.ROOT, "| RSS of this JVM (operator, test API server, "
            + "client) | %d MiB |%n", rssMiB());
      } finally {
        operator.close();
      }
    } finally {
      server.destroy();
    }
  }

  private static SchemaMigration resource(String name) {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE)
        .build());
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    spec.image = IMAGE;
    spec.alembic.workingDir = "/app/vectis/backend";
    spec.database = new DatabaseSpec();
    spec.database.secretRef = new SecretRef();
    spec.database.secretRef.name = "vectis-db-app";
    resource.setSpec(spec);
    return resource;
  }

  private static long ready(KubernetesClient client) {
    return client.resources(SchemaMigration.class).inNamespace(NAMESPACE).list().getItems()
        .stream().filter(r -> r.getStatus() != null && r.getStatus().conditions != null
            && r.getStatus().conditions.stream().anyMatch(c -> c.getType().equals("Ready")
                && c.getStatus().equals("True"))).count();
  }

  private static String scrape(OperatorRunner operator) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        "http://localhost:" + operator.healthPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /** {count, sum} of JOSDK's reconcile timer. */
  private static double[] reconcileSeconds(String metrics) {
    double[] result = new double[2];
    Matcher count = Pattern.compile("(?m)^operator_sdk_controllers_execution_reconcile_seconds"
        + "_count\\{[^}]*} (\\S+)").matcher(metrics);
    Matcher sum = Pattern.compile("(?m)^operator_sdk_controllers_execution_reconcile_seconds"
        + "_sum\\{[^}]*} (\\S+)").matcher(metrics);
    while (count.find()) {
      result[0] += Double.parseDouble(count.group(1));
    }
    while (sum.find()) {
      result[1] += Double.parseDouble(sum.group(1));
    }
    return result;
  }

  private static long rssMiB() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    return -1;
  }

  private static String b64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }
}
