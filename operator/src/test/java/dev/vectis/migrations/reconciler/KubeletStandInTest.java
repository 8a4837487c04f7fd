package dev.vectis.migrations.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet stand-in runs each Job once in a pod of its own, reports failures, and TTLs. */
class KubeletStandInTest {
  private TestApiServer api;
  private KubernetesClient client;
  private KubeletStandIn kubelet;

  @BeforeEach
  void start(@TempDir Path volume) {
    api = TestApiServer.start();
    client = api.client();
    kubelet = new KubeletStandIn(client, api.server(), Map.of(), volume).start();
  }

  @AfterEach
  void stop() {
    kubelet.close();
    api.close();
  }

  private Job job(String name, Integer ttlSeconds, String... command) {
    return client.batch().v1().jobs().inNamespace("shop").resource(new JobBuilder()
        .withNewMetadata().withName(name).withNamespace("shop")
          .addToLabels("migrations.vectis.dev/action", "test").endMetadata()
        .withNewSpec().withTtlSecondsAfterFinished(ttlSeconds).withActiveDeadlineSeconds(60L)
          .withNewTemplate().withNewSpec().addNewContainer().withName("main")
            .withImage("example.com/none:1").withCommand(command).endContainer()
          .withRestartPolicy("Never").endSpec().endTemplate().endSpec()
        .build()).create();
  }

  private boolean finished(String name) {
    Job job = client.batch().v1().jobs().inNamespace("shop").withName(name).get();
    return job != null && job.getStatus() != null && job.getStatus().getConditions() != null
        && !job.getStatus().getConditions().isEmpty();
  }

  @Test
  void eachRunHasAPodOfItsOwnName() {
    for (int i = 0; i < 3; i++) {
      String name = "again";
      job(name, null, "true");
      await().atMost(Duration.ofSeconds(30)).until(() -> finished(name));
      client.batch().v1().jobs().inNamespace("shop").withName(name).delete();
      await().atMost(Duration.ofSeconds(30)).until(() ->
          client.batch().v1().jobs().inNamespace("shop").withName(name).get() == null);
    }
    List<String> pods = client.pods().inNamespace("shop").withLabel("job-name", "again").list()
        .getItems().stream().map(pod -> pod.getMetadata().getName()).toList();
    assertThat(pods).hasSize(3).doesNotHaveDuplicates()
        .allMatch(pod -> pod.matches("again-[a-z0-9]{5}"));
    kubelet.assertNoFailures();
  }

  @Test
  void aPodThatCannotRunIsReported() {
    job("broken", null, "/no/such/program");
    await().atMost(Duration.ofSeconds(30)).until(() -> !kubelet.failures().isEmpty());
    assertThat(kubelet.failures()).singleElement().asString()
        .contains("shop/broken", "cannot start the container");
    assertThatThrownBy(kubelet::assertNoFailures).isInstanceOf(AssertionError.class)
        .hasMessageContaining("shop/broken");
  }

  @Test
  void theTtlControllerRemovesFinishedJobsAndTheirPods() {
    job("one-day", 86_400, "true");
    job("no-ttl", null, "true");
    await().atMost(Duration.ofSeconds(30)).until(() -> finished("one-day") && finished("no-ttl"));
    assertThat(kubelet.ttlRemoved()).as("a day has not passed").isEmpty();

    kubelet.ttlSpeedUp(86_400 / 2.0);
    await().atMost(Duration.ofSeconds(30)).until(() -> kubelet.ttlRemoved().contains("one-day"));
    assertThat(client.batch().v1().jobs().inNamespace("shop").withName("one-day").get()).isNull();
    assertThat(client.pods().inNamespace("shop").withLabel("job-name", "one-day").list()
        .getItems()).isEmpty();
    assertThat(client.batch().v1().jobs().inNamespace("shop").withName("no-ttl").get())
        .as("no TTL, kept").isNotNull();
    assertThat(client.pods().inNamespace("shop").withLabel("job-name", "no-ttl").list()
        .getItems()).hasSize(1);
    kubelet.assertNoFailures();
  }

  @Test
  void aHeldPodKeepsItsJobRunningUntilReleased() {
    kubelet.holdPodsOf("test");
    job("held", null, "true");
    await().atMost(Duration.ofSeconds(30)).until(() -> !client.pods().inNamespace("shop")
        .withLabel("job-name", "held").list().getItems().isEmpty());
    assertThat(finished("held")).isFalse();
    assertThat(kubelet.runs()).isEmpty();
    kubelet.release("test");
    await().atMost(Duration.ofSeconds(30)).until(() -> finished("held"));
    assertThat(kubelet.runs()).singleElement().extracting(KubeletStandIn.Run::exitCode)
        .isEqualTo(0);
  }
}
