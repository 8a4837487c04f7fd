package dev.vectis.migrations.cli;

import dev.vectis.migrations.reconciler.OperatorRunner;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Runs the operator against the cluster of the current kubeconfig, or the "
        + "in-cluster configuration. Watches all namespaces, or those in WATCH_NAMESPACES "
        + "(comma-separated).")
final class RunCommand implements Callable<Integer> {
  @Option(names = "--leader-election", description = "Elect a leader through a Lease (needed "
      + "with more than one replica).")
  boolean leaderElection;

  @Option(names = "--lease-namespace", description = "Namespace of the Lease (default: "
      + "POD_NAMESPACE, else default).")
  String leaseNamespace;

  @Option(names = "--health-port", defaultValue = "8080",
      description = "Port of /healthz and /readyz (default: ${DEFAULT-VALUE}).")
  int healthPort;

  @Override
  public Integer call() throws Exception {
    String watched = System.getenv().getOrDefault("WATCH_NAMESPACES", "");
    Set<String> namespaces = Arrays.stream(watched.split(",")).map(String::strip)
        .filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    OperatorRunner.Settings settings = OperatorRunner.Settings.defaults().watching(namespaces);
    if (leaderElection) {
      settings = settings.electingLeaderIn(leaseNamespace != null ? leaseNamespace
          : System.getenv().getOrDefault("POD_NAMESPACE", "default"));
    }
    String unreachable = unreachable();
    if (unreachable != null) {
      System.err.println("run: " + unreachable);
      return 1;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    OperatorRunner runner = OperatorRunner.start(client, settings).serveHealth(healthPort);
    CountDownLatch stopped = new CountDownLatch(1);
    // Graceful shutdown on SIGTERM: informers and the health server stop, then the client.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      runner.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }

  /**
   * Why the API server cannot be used, in one line, or null: asked once with a 10 s bound,
   * so a missing cluster is said at once instead of after JOSDK's retries and traces.
   */
  static String unreachable() {
    // A client of its own that does not retry: an answer (or none) within seconds.
    Config config = new ConfigBuilder(Config.autoConfigure(null)).withRequestRetryBackoffLimit(0)
        .withConnectionTimeout(5_000).withRequestTimeout(5_000).build();
    String where = String.valueOf(config.getMasterUrl());
    try (KubernetesClient probe = new KubernetesClientBuilder().withConfig(config).build()) {
      CompletableFuture.supplyAsync(probe::getKubernetesVersion).get(8, TimeUnit.SECONDS);
      return null;
    } catch (TimeoutException e) {
      return "the Kubernetes API at " + where + " did not answer within 8 s; check the "
          + "kubeconfig (KUBECONFIG, ~/.kube/config) or run inside a cluster";
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause.getCause() != null) {
        cause = cause.getCause();
      }
      String reason = String.valueOf(cause.getMessage()).lines().findFirst().orElse("");
      return "cannot reach the Kubernetes API at " + where + " (" + reason + "); check the "
          + "kubeconfig (KUBECONFIG, ~/.kube/config) or run inside a cluster";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
