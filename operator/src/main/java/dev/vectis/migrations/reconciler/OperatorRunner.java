package dev.vectis.migrations.reconciler;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the operator: JOSDK with server-side apply off (the same code then runs against a
 * test API server and a real cluster), the SchemaMigration controller on the watched
 * namespaces, optional leader election, and {@code /healthz}, {@code /readyz}, {@code /metrics}.
 */
public final class OperatorRunner implements AutoCloseable {
  public static final String LEASE_NAME = "schema-migration-operator";
  private static final Logger LOG = LoggerFactory.getLogger(OperatorRunner.class);
  /** Set once this process stops its operator: a Lease given up then is no failure. */
  private static final AtomicBoolean STOPPING = new AtomicBoolean();

  private final Operator operator;
  private final PrometheusMeterRegistry registry;
  private final DatabaseObserver databases;
  private HttpServer health;

  private OperatorRunner(Operator operator, PrometheusMeterRegistry registry,
      DatabaseObserver databases) {
    this.operator = operator;
    this.registry = registry;
    this.databases = databases;
  }

  /**
   * How to run: the namespaces to watch (empty for all), leader election (null for none), the
   * clock, how databases are read, and the test hooks ({@link Checkpoints#NONE} in production).
   */
  public record Settings(Set<String> namespaces, LeaderElectionConfiguration leaderElection,
      Clock clock, DatabaseObserver databases, Checkpoints checkpoints,
      Duration readyRecheck, PrometheusMeterRegistry meterRegistry) {
    public static Settings defaults() {
      return new Settings(Set.of(), null, Clock.systemUTC(), new DatabaseObserver(),
          Checkpoints.NONE, SchemaMigrationReconciler.READY_RECHECK, null);
    }

    public Settings watching(Set<String> watched) {
      return new Settings(watched, leaderElection, clock, databases, checkpoints, readyRecheck,
          meterRegistry);
    }

    /** Elects a leader through the Lease {@value #LEASE_NAME} in this namespace. */
    public Settings electingLeaderIn(String leaseNamespace) {
      return withLeaderElection(new LeaderElectionConfiguration(LEASE_NAME, leaseNamespace,
          LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
          LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
          LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE, null,
          new LeaderCallbacks(() -> {}, OperatorRunner::leadershipLost, leader -> {}), false));
    }

    public Settings withLeaderElection(LeaderElectionConfiguration election) {
      return new Settings(namespaces, election, clock, databases, checkpoints, readyRecheck,
          meterRegistry);
    }

    /** The reconciler's clock (a test reads it as a probe of when reconciles happen). */
    public Settings withClock(Clock time) {
      return new Settings(namespaces, leaderElection, time, databases, checkpoints, readyRecheck,
          meterRegistry);
    }

    public Settings withDatabases(DatabaseObserver observer) {
      return new Settings(namespaces, leaderElection, clock, observer, checkpoints, readyRecheck,
          meterRegistry);
    }

    /** How often a Ready resource re-reads its database (benchmarks shorten it). */
    public Settings withReadyRecheck(Duration interval) {
      return new Settings(namespaces, leaderElection, clock, databases, checkpoints, interval,
          meterRegistry);
    }

    /** The registry of /metrics (null: a new one); benchmarks configure its histograms. */
    public Settings withMeterRegistry(PrometheusMeterRegistry registry) {
      return new Settings(namespaces, leaderElection, clock, databases, checkpoints, readyRecheck,
          registry);
    }

    public Settings withCheckpoints(Checkpoints hooks) {
      return new Settings(namespaces, leaderElection, clock, databases, hooks, readyRecheck,
          meterRegistry);
    }
  }

  /**
   * JOSDK's own "exit on stop leading" calls System.exit, also when we stop it from the
   * SIGTERM shutdown hook, where System.exit blocks for ever: so we exit ourselves, and only
   * when the Lease is lost while running (no two instances may reconcile at once).
   */
  private static void leadershipLost() {
    if (!STOPPING.get()) {
      LOG.error("lost the leader election Lease: exiting, so that no two instances reconcile");
      Runtime.getRuntime().halt(1);
    }
  }

  public static OperatorRunner start(KubernetesClient client, Settings settings) {
    PrometheusMeterRegistry registry = settings.meterRegistry() != null
        ? settings.meterRegistry() : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OperatorMetrics ours = new OperatorMetrics(registry);
    Operator operator = new Operator(overrider -> {
      overrider.withKubernetesClient(client)
          .withMetrics(new DeletionAwareMetrics(
              MicrometerMetrics.withoutPerResourceMetrics(registry), ours))
          .withUseSSAToPatchPrimaryResource(false)
          .withSSABasedCreateUpdateMatchForDependentResources(false)
          .withCloseClientOnStop(false);
      if (settings.leaderElection() != null) {
        overrider.withLeaderElectionConfiguration(settings.leaderElection());
      }
    });
    operator.register(new SchemaMigrationReconciler(settings.clock(), settings.databases(),
        ours, settings.checkpoints(), settings.readyRecheck()), configuration -> {
      // Generation-aware filtering would drop an approval (an annotation): our filter keeps
      // what it would keep, and approvals.
      configuration.withGenerationAware(false)
          .withOnUpdateFilter(SchemaMigrationReconciler::worthReconciling);
      if (settings.namespaces().isEmpty()) {
        configuration.watchingAllNamespaces();
      } else {
        configuration.settingNamespaces(settings.namespaces());
      }
    });
    operator.start();
    return new OperatorRunner(operator, registry, settings.databases());
  }

  /**
   * Serves /healthz (the process runs), /readyz (every informer is synced and healthy) and
   * /metrics (Prometheus: JOSDK's metrics and ours).
   */
  public OperatorRunner serveHealth(int port) throws IOException {
    health = HttpServer.create(new InetSocketAddress(port), 0);
    health.createContext("/healthz", exchange -> respond(exchange, 200, "ok"));
    health.createContext("/readyz", exchange -> {
      boolean ready = operator.getRuntimeInfo().isStarted()
          && operator.getRuntimeInfo().allEventSourcesAreHealthy();
      respond(exchange, ready ? 200 : 503, ready ? "ready" : "not ready");
    });
    health.createContext("/metrics", exchange -> {
      String body;
      try {
        body = registry.scrape();
      } catch (RuntimeException e) {
        respond(exchange, 500, "cannot collect metrics: " + e.getMessage());
        return;
      }
      exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
      respond(exchange, 200, body);
    });
    health.start();
    return this;
  }

  public int healthPort() {
    return health.getAddress().getPort();
  }

  private static void respond(com.sun.net.httpserver.HttpExchange exchange, int code,
      String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    STOPPING.set(true);
    if (health != null) {
      health.stop(0);
    }
    operator.stop();
    databases.close();
  }
}
