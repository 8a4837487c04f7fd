package dev.vectis.migrations.cli;

import dev.vectis.migrations.reconciler.OperatorRunner;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
}
