package dev.vectis.migrations.benchmarks;

import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SecretRef;
import dev.vectis.migrations.local.LocalAlembic;
import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.reconciler.BenchmarkSeeding;
import dev.vectis.migrations.reconciler.OperatorRunner;
import dev.vectis.migrations.revision.InspectionScript;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Operator benchmark, not a test (DESIGN §8; method in docs/benchmarks.md). For each size N,
 * the driver (this JVM) starts the API server, fabric8's mock in CRUD mode in another JVM
 * ({@link ApiServerProcess}), and an embedded PostgreSQL, and seeds them; then a fresh JVM (the
 * "operator JVM", fixed -Xmx) runs only the operator, the measurement code and its client. N SchemaMigrations at target, their graphs cached,
 * exist before the operator starts. Measured: time until all are Ready; at steady state, over a
 * window, the reconcile duration (JOSDK's timer, from the delta of its histogram buckets), the
 * API GETs the operator sent (counted by the API server) and the database sessions opened
 * ({@code pg_stat_database.sessions}); spec edits spread over time → Job created (seen by an
 * informer); VmRSS and VmHWM of the operator JVM.
 *
 * <p>{@code main(sizes)} is the driver (writes {@code target/benchmarks/operator.md});
 * {@code main("run", N, apiServerUrl, postgresPort)} is one operator JVM. System properties (passed on to the operator
 * JVMs): {@code benchmark.operator.recheck} (seconds between re-checks of a Ready resource,
 * default 30), {@code benchmark.operator.window} (seconds of steady state measured, default
 * 60), {@code benchmark.operator.edits} (default 100), {@code benchmark.operator.editInterval}
 * (ms between edits, default 300), {@code benchmark.operator.xmx} (operator JVM heap, default
 * 192m up to 1,000 resources, 384m above), {@code benchmark.operator.readyTimeout} (seconds).
 */
public final class OperatorBenchmark {
  private static final String IMAGE = "registry.example.com/vectis/backend:1.14.0";
  private static final String NAMESPACE = "shop";
  private static final String DATABASE = "app";
  /** The flags the operator runs with: the Helm chart's default jvmOptions. */
  static String chartJvmOptions() throws java.io.IOException {
    java.util.regex.Matcher options = java.util.regex.Pattern.compile(
        "(?m)^jvmOptions:\\s*\"([^\"]*)\"").matcher(java.nio.file.Files.readString(
            dev.vectis.migrations.testing.ProjectPaths.root().resolve(
                "helm/schema-migration-operator/values.yaml")));
    if (!options.find()) {
      throw new IllegalStateException("no jvmOptions in the chart's values.yaml");
    }
    return options.group(1);
  }
  private static final String RECONCILE_TIMER = "operator.sdk.controllers.execution.reconcile";
  private static final List<String> PASSED_ON = List.of("benchmark.operator.recheck",
      "benchmark.operator.window", "benchmark.operator.edits",
      "benchmark.operator.editInterval", "benchmark.operator.readyTimeout",
      "benchmark.operator.settle", "benchmark.apiserver.xmx");

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("run")) {
      Map<String, Object> result = run(Integer.parseInt(args[1]), args[2],
          Integer.parseInt(args[3]));
      System.out.println("RESULT " + Serialization.asJson(result));
      System.out.flush();
      System.exit(0);
    }
    String sizes = args.length > 0 ? args[0]
        : System.getProperty("benchmark.operator.sizes", "1000,10000");
    List<Map<String, Object>> results = new ArrayList<>();
    for (String size : sizes.split(",")) {
      results.add(runInOwnJvm(Integer.parseInt(size.strip())));
    }
    String table = table(results);
    System.out.println(table);
    Path out = Path.of("target", "benchmarks", "operator.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, table);
  }

  // ---------------------------------------------------------------- driver

  /**
   * Here, in the driver's JVM: the API server process, PostgreSQL at head, the N resources and
   * their cached graphs. Then the operator JVM, which finds them in place.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> runInOwnJvm(int count) throws Exception {
    String heap = System.getProperty("benchmark.operator.xmx", "");
    if (heap.isBlank()) {
      heap = count <= 1000 ? "192m" : "384m";
    }
    System.out.printf(Locale.ROOT, "== operator benchmark, %,d SchemaMigrations, -Xmx%s%n",
        count, heap);
    long started = System.nanoTime();
    Path root = Path.of(OperatorBenchmark.class.getResource("/").toURI()).getParent()
        .getParent().getParent();
    Path project = root.resolve("examples/vectis-backend");
    Map<String, Object> result = null;
    int exit;
    double seedSeconds;
    try (ApiServer api = ApiServer.start();
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
            .setServerConfig("max_connections", "300").start();
        KubernetesClient bench = client(api.url, ApiServerProcess.BENCHMARK_AGENT)) {
      try (Connection connection = postgres.getPostgresDatabase().getConnection();
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE DATABASE " + DATABASE);
      }
      String url = "postgresql://postgres@localhost:" + postgres.getPort() + "/" + DATABASE;
      ProcessRunner.Result migrated = ProcessRunner.run(project.resolve("vectis/backend"),
          Map.of("DATABASE_URL", url), Duration.ofMinutes(2),
          List.of("/usr/bin/alembic", "upgrade", "head"));
      if (!migrated.succeeded()) {
        throw new IllegalStateException(migrated.output());
      }
      String graph = ProcessRunner.run(project.resolve("vectis/backend"), Map.of(),
          Duration.ofMinutes(1), InspectionScript.command(LocalAlembic.defaultPython(),
              "alembic.ini")).output().strip();
      // The CRD, as in a cluster: the mock then knows the kind, its status subresource, and
      // lists it with ?resourceVersion=0 as the informers do.
      try (var crd = Files.newInputStream(root.resolve(
          "crds/schemamigrations.migrations.vectis.dev-v1.yml"))) {
        bench.apiextensions().v1().customResourceDefinitions().load(crd).create();
      }
      long seeding = System.nanoTime();
      seed(bench, postgres.getPort(), graph, count);
      seedSeconds = (System.nanoTime() - seeding) / 1e9;
      log("seeded %,d SchemaMigrations and their graph caches in %.0f s", count, seedSeconds);

      List<String> command = new ArrayList<>(List.of(java(), "-Xmx" + heap,
          "-XX:+ExitOnOutOfMemoryError"));
      // As deployed: the chart's jvmOptions (the -Xmx above wins over MaxRAMPercentage).
      command.addAll(List.of(chartJvmOptions().strip().split("\\s+")));
      for (String property : PASSED_ON) {
        if (System.getProperty(property) != null && !System.getProperty(property).isBlank()) {
          command.add("-D" + property + "=" + System.getProperty(property));
        }
      }
      command.addAll(List.of("-cp", System.getProperty("java.class.path"),
          OperatorBenchmark.class.getName(), "run", "" + count, api.url,
          "" + postgres.getPort()));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(
          process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("RESULT ")) {
            result = Serialization.unmarshal(line.substring(7), Map.class);
          }
          System.out.println("   " + line);
        }
      }
      exit = process.waitFor();
    }
    if (result == null) {
      result = new LinkedHashMap<>();
      result.put("count", count);
      result.put("failed", "operator JVM exited with " + exit + " without a result");
    }
    result.put("xmx", heap);
    result.put("seedSeconds", seedSeconds);
    result.put("wallSeconds", (System.nanoTime() - started) / 1e9);
    return result;
  }

  @SuppressWarnings("unchecked")
  static String table(List<Map<String, Object>> results) {
    StringBuilder s = new StringBuilder();
    s.append("| measure | target |");
    results.forEach(r -> s.append(String.format(Locale.ROOT, " %,d SchemaMigrations |",
        ((Number) r.get("count")).intValue())));
    s.append("\n|---|---|");
    results.forEach(r -> s.append("---|"));
    s.append('\n');
    row(s, "all Ready after operator start", "≤ 15 s (1,000), ≤ 120 s (10,000)", results,
        r -> r.containsKey("allReadySeconds") ? String.format(Locale.ROOT, "%.1f s",
            num(r, "allReadySeconds")) : "not all Ready: " + r.getOrDefault("readyAtTimeout",
            "?") + " after " + r.getOrDefault("readyTimeoutSeconds", "?") + " s");
    row(s, "steady state: reconciles in the window (window, re-check period)", "", results,
        r -> has(r, "windowReconciles") ? String.format(Locale.ROOT, "%,d (%d s, every %d s)",
            (long) num(r, "windowReconciles"), (long) num(r, "windowSeconds"),
            (long) num(r, "recheckSeconds")) : "—");
    row(s, "reconcile with nothing to do: p50", "≤ 2 ms", results,
        r -> percentile(r, "p50"));
    row(s, "reconcile with nothing to do: p99", "≤ 15 ms", results,
        r -> percentile(r, "p99"));
    row(s, "API GETs by the operator in the window", "0", results,
        r -> has(r, "windowGets") ? String.format(Locale.ROOT, "%,d (%s)",
            (long) num(r, "windowGets"), r.get("windowGetsByKind")) : "—");
    row(s, "other API requests by the operator in the window", "", results,
        r -> String.valueOf(r.getOrDefault("windowOtherRequests", "—")));
    row(s, "API server's own time per request in the window (by kind)", "", results,
        r -> String.valueOf(r.getOrDefault("windowNanosPerRequest", "—")));
    row(s, "new database connections in the window", "0", results,
        r -> has(r, "windowSessions") ? String.format(Locale.ROOT, "%,d",
            (long) num(r, "windowSessions")) : "—");
    row(s, "CR change → Job created: p50, p99 (max)", "p99 ≤ 250 ms", results,
        r -> has(r, "jobP50Ms") ? String.format(Locale.ROOT, "%.0f ms, %.0f ms (%.0f ms), n = %d",
            num(r, "jobP50Ms"), num(r, "jobP99Ms"), num(r, "jobMaxMs"),
            (long) num(r, "jobCount")) : "—");
    row(s, "operator JVM RSS: all Ready / after the window / at the end (VmHWM)",
        "≤ 256 MiB (1,000), ≤ 512 MiB (10,000)", results,
        r -> String.format(Locale.ROOT, "%s / %s / %s MiB (%s MiB), -Xmx%s",
            mib(r, "rssReadyMiB"), mib(r, "rssWindowMiB"), mib(r, "rssEndMiB"),
            mib(r, "hwmEndMiB"), r.get("xmx")));
    row(s, "RSS of the same JVM before the operator started (JVM, measuring client, JDBC)", "",
        results, r -> has(r, "rssBeforeMiB") ? String.format(Locale.ROOT, "%d MiB",
            (long) num(r, "rssBeforeMiB")) : "—");
    row(s, "API requests by the operator until all Ready", "", results,
        r -> String.valueOf(r.getOrDefault("startupRequests", "—")));
    row(s, "API server's own time handling them: per request (by kind), in total", "", results,
        r -> has(r, "startupServerSeconds") ? r.get("startupNanosPerRequest") + ", "
            + String.format(Locale.ROOT, "%.0f s", num(r, "startupServerSeconds")) : "—");
    row(s, "garbage collection in the operator JVM (whole run)", "", results,
        r -> String.valueOf(r.getOrDefault("gc", "—")));
    row(s, "benchmark wall time (of which seeding)", "", results,
        r -> String.format(Locale.ROOT, "%.0f s (%.0f s)", num(r, "wallSeconds"),
            num(r, "seedSeconds")));
    results.stream().filter(r -> r.containsKey("failed")).forEach(r -> s.append("\nFailed at ")
        .append(r.get("count")).append(": ").append(r.get("failed")).append('\n'));
    return s.toString();
  }

  private static String percentile(Map<String, Object> r, String name) {
    if (!has(r, name + "Ms")) {
      return "—";
    }
    return String.format(Locale.ROOT, "%.2f ms (bucket %s)", num(r, name + "Ms"),
        r.get(name + "Bucket"));
  }

  private interface Cell {
    String of(Map<String, Object> result);
  }

  private static void row(StringBuilder s, String measure, String target,
      List<Map<String, Object>> results, Cell cell) {
    s.append("| ").append(measure).append(" | ").append(target).append(" |");
    for (Map<String, Object> r : results) {
      String value;
      try {
        value = cell.of(r);
      } catch (RuntimeException e) {
        value = "—";
      }
      s.append(' ').append(value).append(" |");
    }
    s.append('\n');
  }

  private static String mib(Map<String, Object> r, String key) {
    return has(r, key) ? String.valueOf((long) num(r, key)) : "—";
  }

  private static boolean has(Map<String, Object> r, String key) {
    return r.get(key) instanceof Number;
  }

  private static double num(Map<String, Object> r, String key) {
    return ((Number) r.get(key)).doubleValue();
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  // ---------------------------------------------------------------- one operator JVM

  /** The operator JVM: the operator, its client, and the measurement (a light client). */
  private static Map<String, Object> run(int count, String apiUrl, int postgresPort)
      throws Exception {
    Duration recheck = Duration.ofSeconds(Long.getLong("benchmark.operator.recheck", 30));
    Duration window = Duration.ofSeconds(Long.getLong("benchmark.operator.window", 60));
    Duration settle = Duration.ofSeconds(Long.getLong("benchmark.operator.settle", 5));
    int edits = Math.min(count, Integer.getInteger("benchmark.operator.edits", 100));
    long editInterval = Long.getLong("benchmark.operator.editInterval", 300);
    Duration readyTimeout = Duration.ofSeconds(Long.getLong("benchmark.operator.readyTimeout",
        Math.max(120, count * 60L / 1000)));
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("count", count);
    result.put("recheckSeconds", recheck.toSeconds());
    result.put("windowSeconds", window.toSeconds());
    Counts api = new Counts(apiUrl);
    try (Connection stats = DriverManager.getConnection("jdbc:postgresql://localhost:"
            + postgresPort + "/postgres", "postgres", "postgres");
        KubernetesClient bench = client(apiUrl, ApiServerProcess.BENCHMARK_AGENT);
        KubernetesClient operatorClient = client(apiUrl, null)) {
      Set<String> ready = ConcurrentHashMap.newKeySet();
      AtomicLong lastReady = new AtomicLong();
      Watch readyWatch = bench.resources(SchemaMigration.class).inNamespace(NAMESPACE).watch(
          new Watcher<>() {
            @Override
            public void eventReceived(Action action, SchemaMigration resource) {
              String name = resource.getMetadata().getName();
              if (action != Action.DELETED && isReady(resource)) {
                if (ready.add(name)) {
                  lastReady.set(System.nanoTime());
                }
              } else {
                ready.remove(name);
              }
            }

            @Override
            public void onClose(WatcherException cause) {
              log("the Ready watch closed: %s", cause);
            }
          });
      Map<String, Long> jobSeen = new ConcurrentHashMap<>();
      var jobs = bench.batch().v1().jobs().inNamespace(NAMESPACE).inform(
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
      System.gc();
      result.put("rssBeforeMiB", procStatus("VmRSS") / 1024);
      PrometheusMeterRegistry registry = registry();
      api.reset();
      long start = System.nanoTime();
      OperatorRunner operator = OperatorRunner.start(operatorClient,
          OperatorRunner.Settings.defaults().watching(Set.of(NAMESPACE))
              .withReadyRecheck(recheck).withMeterRegistry(registry));
      try {
        long deadline = start + readyTimeout.toNanos();
        long lastProgress = System.nanoTime();
        int lastCount = 0;
        while (ready.size() < count && System.nanoTime() < deadline) {
          Thread.sleep(50);
          if (ready.size() != lastCount) {
            lastCount = ready.size();
            lastProgress = System.nanoTime();
          } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(15)) {
            // The watch may have missed something: look at the resources themselves.
            bench.resources(SchemaMigration.class).inNamespace(NAMESPACE).list().getItems()
                .stream().filter(OperatorBenchmark::isReady)
                .forEach(r -> {
                  if (ready.add(r.getMetadata().getName())) {
                    lastReady.set(System.nanoTime());
                  }
                });
            lastProgress = System.nanoTime();
            log("%,d of %,d Ready after %.0f s", ready.size(), count,
                (System.nanoTime() - start) / 1e9);
          }
        }
        readyWatch.close();
        Map<String, Map<String, Long>> startupCounts = api.counts();
        Map<String, Long> startup = operatorOnly(startupCounts.get("counts"));
        result.put("startupRequests", summary(startup));
        // Whether the API server is what the operator waits for while getting all Ready.
        result.put("startupNanosPerRequest", serverNanos(startupCounts));
        result.put("startupServerSeconds", startupCounts.get("nanos").entrySet().stream()
            .filter(entry -> entry.getKey().startsWith("operator "))
            .mapToLong(Map.Entry::getValue).sum() / 1e9);
        result.put("rssReadyMiB", procStatus("VmRSS") / 1024);
        if (ready.size() < count) {
          result.put("readyAtTimeout", ready.size());
          result.put("readyTimeoutSeconds", readyTimeout.toSeconds());
          result.put("failed", "not all Ready within " + readyTimeout.toSeconds() + " s");
          log("only %,d of %,d Ready after %d s", ready.size(), count,
              readyTimeout.toSeconds());
          return result;
        }
        result.put("allReadySeconds", (lastReady.get() - start) / 1e9);
        log("all %,d Ready after %.1f s", count, (lastReady.get() - start) / 1e9);

        // Steady state: every resource Ready, re-checked every `recheck`.
        Thread.sleep(settle.toMillis());
        TreeMap<Double, Double> bucketsBefore = buckets(registry);
        long sessionsBefore = sessions(stats);
        api.reset();
        Thread.sleep(window.toMillis());
        Map<String, Long> inWindow = operatorOnly(api.counts().get("counts"));
        long sessionsAfter = sessions(stats);
        TreeMap<Double, Double> bucketsAfter = buckets(registry);
        result.put("rssWindowMiB", procStatus("VmRSS") / 1024);
        TreeMap<Double, Double> delta = new TreeMap<>();
        bucketsAfter.forEach((le, c) -> delta.put(le, c - bucketsBefore.getOrDefault(le, 0.0)));
        double reconciles = delta.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        result.put("windowReconciles", (long) reconciles);
        if (reconciles > 0) {
          putPercentile(result, "p50", delta, 0.50);
          putPercentile(result, "p99", delta, 0.99);
        }
        long gets = 0;
        Map<String, Long> getsByKind = new TreeMap<>();
        Map<String, Long> others = new TreeMap<>();
        for (var e : inWindow.entrySet()) {
          if (e.getKey().startsWith("GET ")) {
            gets += e.getValue();
            getsByKind.put(e.getKey().substring(4), e.getValue());
          } else {
            others.put(e.getKey(), e.getValue());
          }
        }
        result.put("windowGets", gets);
        result.put("windowGetsByKind", getsByKind.toString());
        result.put("windowOtherRequests", summary(others));
        result.put("windowSessions", sessionsAfter - sessionsBefore);
        result.put("windowNanosPerRequest", serverNanos(api.counts()));
        log("window: %,.0f reconciles, %,d GETs, %,d new sessions", reconciles, gets,
            sessionsAfter - sessionsBefore);

        // CR change → Job: edits spread over time, on resources across the whole range.
        Map<String, Long> edited = new ConcurrentHashMap<>();
        for (int i = 0; i < edits; i++) {
          String name = "smig-" + (long) i * count / edits;
          bench.resources(SchemaMigration.class).inNamespace(NAMESPACE).withName(name)
              .edit(r -> {
                r.getSpec().image = IMAGE + "-next";
                r.getMetadata().setGeneration(r.getMetadata().getGeneration() + 1);
                edited.put(name, System.nanoTime());
                return r;
              });
          Thread.sleep(editInterval);
        }
        long jobDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!jobSeen.keySet().containsAll(edited.keySet())
            && System.nanoTime() < jobDeadline) {
          Thread.sleep(20);
        }
        List<Double> latencies = new ArrayList<>();
        edited.forEach((name, at) -> {
          Long seen = jobSeen.get(name);
          latencies.add(seen == null ? Double.POSITIVE_INFINITY : (seen - at) / 1e6);
        });
        latencies.sort(null);
        result.put("jobCount", latencies.size());
        result.put("jobMissing", latencies.stream().filter(l -> l.isInfinite()).count());
        result.put("jobP50Ms", nearestRank(latencies, 0.50));
        result.put("jobP99Ms", nearestRank(latencies, 0.99));
        result.put("jobMaxMs", latencies.get(latencies.size() - 1));
        jobs.close();
        result.put("rssEndMiB", procStatus("VmRSS") / 1024);
        result.put("hwmEndMiB", procStatus("VmHWM") / 1024);
        result.put("gc", gc());
        result.put("finishedAt", Instant.now().toString());
        return result;
      } finally {
        operator.close();
      }
    }
  }

  private static void seed(KubernetesClient client, int port, String graph, int count)
      throws Exception {
    client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder()
        .withNewMetadata().withName("vectis-db-app").endMetadata()
        .addToData(Map.of("host", b64("localhost"), "port", b64("" + port),
            "dbname", b64(DATABASE), "user", b64("postgres"), "password", b64("postgres")))
        .build()).create();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String name = "smig-" + i;
        done.add(pool.submit(() -> {
          SchemaMigration created = client.resources(SchemaMigration.class)
              .inNamespace(NAMESPACE).resource(resource(name)).create();
          BenchmarkSeeding.cacheGraph(client, created, IMAGE, graph);
        }));
      }
      for (Future<?> future : done) {
        future.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private static PrometheusMeterRegistry registry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // JOSDK's reconcile timer publishes a histogram from 1 ms; start it at 50 µs and put
    // bucket edges on the targets, so p50 ≤ 2 ms and p99 ≤ 15 ms can be read off exactly.
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id,
          DistributionStatisticConfig config) {
        if (!id.getName().startsWith("operator.sdk.controllers.execution.")) {
          return config;
        }
        return DistributionStatisticConfig.builder()
            .percentilesHistogram(true)
            .minimumExpectedValue((double) TimeUnit.MICROSECONDS.toNanos(50))
            .serviceLevelObjectives(ms(0.5), ms(1), ms(2), ms(5), ms(10), ms(15), ms(50),
                ms(100), ms(250))
            .build().merge(config);
      }
    });
    return registry;
  }

  private static double ms(double millis) {
    return millis * 1e6;
  }

  /**
   * Cumulative bucket counts of JOSDK's reconcile timer, all its tag sets summed, by upper edge
   * in seconds (+Inf: all). The Prometheus registry's histogram never decays (Micrometer keeps
   * it for 1,825 days), so the difference of two readings is the window's. Read from the
   * registry, not from a scrape: the operator's own per-resource info series can break a scrape
   * (duplicate labels, see docs/benchmarks.md).
   */
  static TreeMap<Double, Double> buckets(PrometheusMeterRegistry registry) {
    TreeMap<Double, Double> buckets = new TreeMap<>();
    for (Timer timer : registry.find(RECONCILE_TIMER).timers()) {
      HistogramSnapshot snapshot = timer.takeSnapshot();
      for (CountAtBucket bucket : snapshot.histogramCounts()) {
        buckets.merge(bucket.bucket(TimeUnit.SECONDS), bucket.count(), Double::sum);
      }
      buckets.merge(Double.POSITIVE_INFINITY, (double) snapshot.count(), Double::sum);
    }
    return buckets;
  }

  /** The q-quantile of cumulative buckets, linear within its bucket; and that bucket. */
  private static void putPercentile(Map<String, Object> result, String name,
      TreeMap<Double, Double> cumulative, double q) {
    double total = cumulative.get(Double.POSITIVE_INFINITY);
    double rank = Math.ceil(q * total);
    double lowerEdge = 0;
    double lowerCount = 0;
    for (var e : cumulative.entrySet()) {
      if (e.getValue() >= rank) {
        double upper = e.getKey();
        double value = upper == Double.POSITIVE_INFINITY ? lowerEdge
            : lowerEdge + (upper - lowerEdge) * (rank - lowerCount)
                / Math.max(1, e.getValue() - lowerCount);
        result.put(name + "Ms", value * 1000);
        result.put(name + "Bucket", String.format(Locale.ROOT, "%.3g–%s ms", lowerEdge * 1000,
            upper == Double.POSITIVE_INFINITY ? "∞" : String.format(Locale.ROOT, "%.3g",
                upper * 1000)));
        return;
      }
      lowerEdge = e.getKey();
      lowerCount = e.getValue();
    }
  }

  private static double nearestRank(List<Double> sorted, double q) {
    return sorted.get((int) Math.ceil(sorted.size() * q) - 1);
  }

  private static Map<String, Long> operatorOnly(Map<String, Long> counts) {
    Map<String, Long> operator = new TreeMap<>();
    counts.forEach((key, value) -> {
      if (key.startsWith("operator ")) {
        operator.put(key.substring("operator ".length()), value);
      }
    });
    return operator;
  }

  /** "GET 3, LIST 2, …" totals by verb, then the details. */
  private static String summary(Map<String, Long> counts) {
    if (counts.isEmpty()) {
      return "none";
    }
    Map<String, Long> byVerb = new TreeMap<>();
    counts.forEach((key, value) -> byVerb.merge(key.split(" ")[0], value, Long::sum));
    StringBuilder s = new StringBuilder();
    byVerb.forEach((verb, n) -> s.append(s.length() == 0 ? "" : ", ").append(verb).append(' ')
        .append(String.format(Locale.ROOT, "%,d", n)));
    return s + " (" + counts + ")";
  }

  private static String serverNanos(Map<String, Map<String, Long>> counts) {
    Map<String, String> perRequest = new TreeMap<>();
    counts.get("counts").forEach((key, n) -> {
      if (key.startsWith("operator ") && n > 0) {
        perRequest.put(key.substring(9), String.format(Locale.ROOT, "%.2f ms",
            counts.get("nanos").getOrDefault(key, 0L) / 1e6 / n));
      }
    });
    return perRequest.toString();
  }

  private static long sessions(Connection stats) throws Exception {
    try (Statement statement = stats.createStatement()) {
      statement.execute("SELECT pg_stat_clear_snapshot()");
      try (ResultSet rows = statement.executeQuery(
          "SELECT sessions FROM pg_stat_database WHERE datname = '" + DATABASE + "'")) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  private static boolean isReady(SchemaMigration resource) {
    return resource.getStatus() != null && resource.getStatus().conditions != null
        && resource.getStatus().conditions.stream().anyMatch(c -> "Ready".equals(c.getType())
            && "True".equals(c.getStatus()));
  }

  private static KubernetesClient client(String url, String userAgent) {
    ConfigBuilder config = new ConfigBuilder(Config.empty()).withMasterUrl(url)
        .withNamespace(NAMESPACE).withHttp2Disable(true).withTrustCerts(true);
    if (userAgent != null) {
      config.withUserAgent(userAgent);
    }
    return new KubernetesClientBuilder().withConfig(config.build()).build();
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

  /** A field of /proc/self/status, in kB. */
  private static long procStatus(String field) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }

  private static String b64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  private static void log(String format, Object... args) {
    System.out.printf(Locale.ROOT, "[%s] " + format + "%n",
        concat(Instant.now().toString().substring(11, 19), args));
  }

  private static Object[] concat(Object first, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  /** The API server's counts, over HTTP (the process belongs to the driver). */
  private static final class Counts {
    private final HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1).build();
    private final String url;

    Counts(String url) {
      this.url = url.replaceAll("/+$", "");
    }

    void reset() throws Exception {
      http.send(HttpRequest.newBuilder(URI.create(url + "/__benchmark/reset"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.discarding());
    }

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Long>> counts() throws Exception {
      String body = http.send(HttpRequest.newBuilder(URI.create(url + "/__benchmark/counts"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      return ApiServer.parse(body);
    }
  }

  /** Collections and seconds of each garbage collector of this JVM. */
  private static String gc() {
    StringBuilder s = new StringBuilder();
    for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
      s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s: %d in %.1f s",
          bean.getName(), bean.getCollectionCount(), bean.getCollectionTime() / 1000.0));
    }
    return s.toString();
  }

  /** The API server process, driven over its stdin/stdout. */
  private static final class ApiServer implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    final String url;

    private ApiServer(Process process) throws Exception {
      this.process = process;
      this.out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8));
      this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
      this.url = expect("URL ").substring(4);
    }

    static ApiServer start() throws Exception {
      String heap = System.getProperty("benchmark.apiserver.xmx", "");
      return new ApiServer(new ProcessBuilder(java(), "-Xmx" + (heap.isBlank() ? "2g" : heap),
          "-Dbenchmark.apiserver.trace=" + Boolean.getBoolean("benchmark.apiserver.trace"),
          "-cp", System.getProperty("java.class.path"),
          ApiServerProcess.class.getName()).redirectError(ProcessBuilder.Redirect.INHERIT)
          .start());
    }

    synchronized void reset() throws Exception {
      in.println("reset");
      expect("RESET");
    }

    @SuppressWarnings("unchecked")
    synchronized Map<String, Map<String, Long>> counts() throws Exception {
      in.println("counts");
      return parse(expect("COUNTS ").substring(7));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Long>> parse(String json) {
      Map<String, Map<String, Object>> raw = Serialization.unmarshal(json, Map.class);
      Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
      raw.forEach((k, v) -> {
        Map<String, Long> m = new TreeMap<>();
        v.forEach((key, n) -> m.put(key, ((Number) n).longValue()));
        counts.put(k, m);
      });
      return counts;
    }

    private String expect(String prefix) throws Exception {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith(prefix)) {
          return line;
        }
      }
      throw new IllegalStateException("API server stopped");
    }

    @Override
    public void close() throws Exception {
      in.println("quit");
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
