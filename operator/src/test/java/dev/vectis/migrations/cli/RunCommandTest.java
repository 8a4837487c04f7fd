package dev.vectis.migrations.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `run` without a reachable cluster: one line, exit 1, not JOSDK's retries and traces. */
class RunCommandTest {
  @TempDir Path work;

  @Test
  void noClusterIsOneLine() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort(); // closed again: nothing listens there
    }
    Path kubeconfig = work.resolve("config");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: gone, cluster: {server: "http://127.0.0.1:%d"}}]
        users: [{name: me, user: {token: not-a-real-token}}]
        contexts: [{name: gone, context: {cluster: gone, user: me}}]
        current-context: gone
        """.formatted(port));
    String before = System.getProperty("kubeconfig");
    System.setProperty("kubeconfig", kubeconfig.toString());
    try {
      CapturedRun run = CapturedRun.of("", "run", "--health-port", "0");
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.stderr().strip()).startsWith("run: ")
          .contains("Kubernetes API at http://127.0.0.1:" + port, "kubeconfig")
          .doesNotContain("\n", "not-a-real-token");
    } finally {
      if (before == null) {
        System.clearProperty("kubeconfig");
      } else {
        System.setProperty("kubeconfig", before);
      }
    }
  }
}
