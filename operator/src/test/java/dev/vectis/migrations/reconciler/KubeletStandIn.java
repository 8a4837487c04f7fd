package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.jobs.JobFactory;
import dev.vectis.migrations.local.LocalPaths;
import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.testing.ExternalTools;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Test harness, not product: plays the kubelet and the Job controller for the test API server.
 * Each new Job's container runs for real as a local process — the image maps to a local
 * checkout, {@code python3}/{@code alembic}/{@code pg_dump} to Debian's, the backup volume to a
 * directory, {@code secretKeyRef}s are resolved from the API server's Secrets — then its log is
 * served at {@code pods/<pod>/log} and the Job's status is written as the Job controller would.
 */
final class KubeletStandIn implements AutoCloseable {
  /** A Job that ran: its name, action, exit code and output. */
  record Run(String job, String action, int exitCode, String output) {}

  private final KubernetesClient client;
  private final KubernetesMockServer server;
  private final Map<String, Path> images;
  private final Path backupVolume;
  private final ExecutorService pods = Executors.newCachedThreadPool();
  private final List<Run> runs = new CopyOnWriteArrayList<>();
  private SharedIndexInformer<Job> informer;

  KubeletStandIn(KubernetesClient client, KubernetesMockServer server, Map<String, Path> images,
      Path backupVolume) {
    this.client = client;
    this.server = server;
    this.images = images;
    this.backupVolume = backupVolume;
  }

  KubeletStandIn start() {
    informer = client.batch().v1().jobs().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Job job) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null
            || job.getStatus().getConditions().isEmpty()) {
          pods.submit(() -> run(job));
        }
      }

      @Override
      public void onUpdate(Job before, Job after) {}

      @Override
      public void onDelete(Job job, boolean unknownFinalState) {}
    });
    return this;
  }

  List<Run> runs() {
    return List.copyOf(runs);
  }

  List<Run> runs(String action) {
    return runs.stream().filter(r -> r.action().equals(action)).toList();
  }

  /** The next Job of these images fails before its container runs, as after an eviction. */
  private final java.util.Set<String> evictNext = java.util.concurrent.ConcurrentHashMap.newKeySet();

  void evictNextPodOf(String image) {
    evictNext.add(image);
  }

  private void run(Job job) {
    String namespace = job.getMetadata().getNamespace();
    String name = job.getMetadata().getName();
    String image = job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    if (evictNext.remove(image)) {
      runs.add(new Run(name, "evicted", -2, ""));
      Job evicted = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
      evicted.setStatus(new JobStatusBuilder().withFailed(1).withConditions(
          new JobConditionBuilder().withType("Failed").withStatus("True")
              .withReason("BackoffLimitExceeded").build()).build());
      client.batch().v1().jobs().inNamespace(namespace).resource(evicted).updateStatus();
      return;
    }
    // Pod names are unique per run, as the Job controller makes them.
    String pod = name + "-" + Long.toString(System.nanoTime() % 100_000, 36);
    client.pods().inNamespace(namespace).resource(new PodBuilder()
        .withNewMetadata().withName(pod).withNamespace(namespace)
          .addToLabels("job-name", name).endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec()).build()).create();
    Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    String action = job.getMetadata().getLabels().get(JobFactory.ACTION_LABEL);
    Instant started = Instant.now();
    ProcessRunner.Result result;
    try {
      result = ProcessRunner.run(workingDir(container), environment(namespace, container),
          Duration.ofSeconds(job.getSpec().getActiveDeadlineSeconds()),
          command(container.getCommand()));
    } catch (RuntimeException e) {
      result = new ProcessRunner.Result(127, "cannot start the container: " + e.getMessage());
    }
    runs.add(new Run(name, action, result.exitCode(), result.output()));
    server.expect().get()
        .withPath("/api/v1/namespaces/" + namespace + "/pods/" + pod + "/log?pretty=false")
        .andReturn(200, result.output()).always();
    boolean ok = result.succeeded();
    boolean killed = result.timedOut();
    Pod ran = client.pods().inNamespace(namespace).withName(pod).get();
    ran.setStatus(new PodStatusBuilder().withPhase(ok ? "Succeeded" : "Failed")
        .addNewContainerStatus().withName(container.getName()).withNewState().withNewTerminated()
          .withExitCode(killed ? 137 : result.exitCode()).withReason(ok ? "Completed" : "Error")
        .endTerminated().endState().endContainerStatus().build());
    client.pods().inNamespace(namespace).resource(ran).updateStatus();
    Job latest = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    latest.setStatus(new JobStatusBuilder()
        .withStartTime(started.toString())
        .withCompletionTime(ok ? Instant.now().toString() : null)
        .withSucceeded(ok ? 1 : 0)
        .withFailed(ok ? 0 : 1)
        .withConditions(new JobConditionBuilder()
            .withType(ok ? "Complete" : "Failed")
            .withStatus("True")
            .withReason(ok ? null : killed ? "DeadlineExceeded" : "BackoffLimitExceeded")
            .build())
        .build());
    client.batch().v1().jobs().inNamespace(namespace).resource(latest).updateStatus();
  }

  /** The image's working directory in the image's local checkout. */
  private Path workingDir(Container container) {
    Path root = images.get(container.getImage());
    if (root == null) {
      // The postgres image of the backup Job: no files of its own are needed.
      return backupVolume;
    }
    return LocalPaths.resolve(root, container.getWorkingDir(), "workingDir");
  }

  private static List<String> command(List<String> command) {
    // The image's python (also the seed's, behind the migration wrapper) is Debian's here.
    List<String> local = new ArrayList<>();
    for (String argument : command) {
      local.add(argument.equals("python") || argument.equals("python3")
          ? ExternalTools.python().toString() : argument);
    }
    if (local.get(0).equals("alembic")) {
      local.set(0, ExternalTools.alembic().toString());
    }
    return local;
  }

  private Map<String, String> environment(String namespace, Container container) {
    Map<String, String> env = new HashMap<>();
    for (EnvVar variable : container.getEnv()) {
      String value = variable.getValue();
      if (variable.getValueFrom() != null && variable.getValueFrom().getSecretKeyRef() != null) {
        var reference = variable.getValueFrom().getSecretKeyRef();
        Secret secret = client.secrets().inNamespace(namespace).withName(reference.getName())
            .get();
        value = new String(Base64.getDecoder().decode(secret.getData().get(reference.getKey())),
            StandardCharsets.UTF_8);
      }
      if (variable.getName().equals("BACKUP_DIR")) {
        value = backupVolume + value.substring(JobFactory.BACKUP_MOUNT.length());
      }
      if (variable.getName().equals("HOME")) {
        continue; // the test machine's HOME stays
      }
      env.put(variable.getName(), value);
    }
    return env;
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    pods.shutdownNow();
  }
}
