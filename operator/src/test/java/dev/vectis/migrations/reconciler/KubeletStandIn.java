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
 * Each run gets a pod of its own name ({@code <job>-<5 random characters>}, never reused).
 * Every failure to run a Job's pod (a refused pod, an exception in the runner) is logged and
 * kept: {@link #assertNoFailures()} fails the test with them. A Job removed while its pod runs
 * is not a failure (its status is simply not written), as with the Job controller.
 *
 * <p>It also plays the TTL controller: a finished Job with {@code ttlSecondsAfterFinished} is
 * deleted with its pods that long after it finished, divided by {@link #ttlSpeedUp(double)}
 * (so a test can see a one-day TTL expire in seconds).
 */
final class KubeletStandIn implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(
      KubeletStandIn.class);
  /** A Job that ran: its name, action, exit code and output. */
  record Run(String job, String action, int exitCode, String output) {}

  private final KubernetesClient client;
  private final KubernetesMockServer server;
  private final Map<String, Path> images;
  private final Path backupVolume;
  private final ExecutorService pods = Executors.newCachedThreadPool();
  private final List<Run> runs = new CopyOnWriteArrayList<>();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final List<String> ttlRemoved = new CopyOnWriteArrayList<>();
  private final java.util.Set<String> podNames = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.ScheduledExecutorService ttlController =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "ttl-controller");
        thread.setDaemon(true);
        return thread;
      });
  private volatile double ttlSpeedUp = 1.0;
  private volatile boolean closed;
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
          pods.submit(() -> runReporting(job));
        }
      }

      @Override
      public void onUpdate(Job before, Job after) {}

      @Override
      public void onDelete(Job job, boolean unknownFinalState) {}
    });
    ttlController.scheduleWithFixedDelay(this::removeExpiredJobs, 100, 100,
        java.util.concurrent.TimeUnit.MILLISECONDS);
    return this;
  }

  private final Map<String, java.util.concurrent.CountDownLatch> held =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The pods of this action's Jobs are created and then wait, their Jobs unfinished, until
   * {@link #release(String)}: a migration "in flight" for as long as a test needs, without
   * timing.
   */
  KubeletStandIn holdPodsOf(String action) {
    held.put(action, new java.util.concurrent.CountDownLatch(1));
    return this;
  }

  void release(String action) {
    var gate = held.remove(action);
    if (gate != null) {
      gate.countDown();
    }
  }

  /** TTLs pass this many times faster (86_400 / 3: a one-day TTL expires after 3 s). */
  KubeletStandIn ttlSpeedUp(double factor) {
    ttlSpeedUp = factor;
    return this;
  }

  /** Jobs the TTL controller removed, with their pods, oldest first. */
  List<String> ttlRemoved() {
    return List.copyOf(ttlRemoved);
  }

  /** What went wrong running pods: a refused pod, an exception in a runner thread. */
  List<String> failures() {
    return List.copyOf(failures);
  }

  /** Fails (a test's @AfterEach) when any Job's pod could not be run as asked. */
  void assertNoFailures() {
    if (!failures.isEmpty()) {
      throw new AssertionError("the kubelet stand-in could not run every pod:\n  "
          + String.join("\n  ", failures));
    }
  }

  private void fail(String what, Throwable cause) {
    if (closed) {
      return; // the test is over: its server and clients are going away
    }
    String failure = what + (cause == null ? "" : ": " + cause);
    failures.add(failure);
    LOG.error("KUBELET STAND-IN FAILURE: {}", failure, cause);
  }

  private void runReporting(Job job) {
    try {
      run(job);
    } catch (Throwable e) {
      fail("Job " + job.getMetadata().getNamespace() + "/" + job.getMetadata().getName(), e);
    }
  }

  /** The TTL controller: deletes finished Jobs (and their pods) whose TTL has passed. */
  private void removeExpiredJobs() {
    try {
      Instant now = Instant.now();
      for (Job job : informer.getStore().list()) {
        Integer ttl = job.getSpec().getTtlSecondsAfterFinished();
        Instant finished = finishedAt(job);
        if (ttl == null || finished == null || job.getMetadata().getDeletionTimestamp() != null) {
          continue;
        }
        long ttlMillis = (long) (ttl * 1000L / ttlSpeedUp);
        if (now.isBefore(finished.plusMillis(ttlMillis))) {
          continue;
        }
        String namespace = job.getMetadata().getNamespace();
        String name = job.getMetadata().getName();
        client.pods().inNamespace(namespace).withLabel("job-name", name).delete();
        client.batch().v1().jobs().inNamespace(namespace).withName(name).delete();
        ttlRemoved.add(name);
        LOG.info("TTL controller: removed Job {}/{} and its pods ({} s after it finished)",
            namespace, name, ttl);
      }
    } catch (RuntimeException e) {
      fail("TTL controller", e);
    }
  }

  private static Instant finishedAt(Job job) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return null;
    }
    for (var condition : job.getStatus().getConditions()) {
      if ((condition.getType().equals("Complete") || condition.getType().equals("Failed"))
          && "True".equals(condition.getStatus())) {
        return condition.getLastTransitionTime() != null
            ? Instant.parse(condition.getLastTransitionTime())
            : job.getStatus().getCompletionTime() != null
                ? Instant.parse(job.getStatus().getCompletionTime()) : Instant.EPOCH;
      }
    }
    return null;
  }

  /** A pod name as the Job controller makes one: the Job's, a dash, 5 random characters. */
  private String podName(String job) {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    while (true) {
      StringBuilder name = new StringBuilder(job).append('-');
      for (int i = 0; i < 5; i++) {
        name.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      if (podNames.add(name.toString())) {
        return name.toString();
      }
    }
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
      if (evicted == null) {
        return; // removed meanwhile
      }
      evicted.setStatus(new JobStatusBuilder().withFailed(1).withConditions(
          new JobConditionBuilder().withType("Failed").withStatus("True")
              .withReason("BackoffLimitExceeded")
              .withLastTransitionTime(Instant.now().toString()).build()).build());
      writeStatus(() -> client.batch().v1().jobs().inNamespace(namespace).resource(evicted)
          .updateStatus());
      return;
    }
    // Pod names are unique per run, as the Job controller makes them; a refused pod (409,
    // 422, ...) throws, and runReporting reports it.
    String pod = podName(name);
    client.pods().inNamespace(namespace).resource(new PodBuilder()
        .withNewMetadata().withName(pod).withNamespace(namespace)
          .addToLabels("job-name", name).endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec()).build()).create();
    Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    String action = job.getMetadata().getLabels() == null ? null
        : job.getMetadata().getLabels().get(JobFactory.ACTION_LABEL);
    var gate = action == null ? null : held.get(action);
    if (gate != null) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return; // the test is over
      }
    }
    Instant started = Instant.now();
    // Init containers first, in order; one that fails ends the pod (its output is the log).
    StringBuilder initOutput = new StringBuilder();
    ProcessRunner.Result result = null;
    List<Container> inits = job.getSpec().getTemplate().getSpec().getInitContainers();
    for (Container init : inits == null ? List.<Container>of() : inits) {
      ProcessRunner.Result initResult = runContainer(namespace, name, init, job);
      initOutput.append(initResult.output());
      if (!initResult.succeeded()) {
        result = new ProcessRunner.Result(initResult.exitCode(), initOutput.toString(),
            initResult.timedOut());
        break;
      }
    }
    if (result == null) {
      ProcessRunner.Result main = runContainer(namespace, name, container, job);
      result = initOutput.length() == 0 ? main
          : new ProcessRunner.Result(main.exitCode(), initOutput + main.output(),
              main.timedOut());
    }
    runs.add(new Run(name, action, result.exitCode(), result.output()));
    server.expect().get()
        .withPath("/api/v1/namespaces/" + namespace + "/pods/" + pod + "/log?pretty=false")
        .andReturn(200, result.output()).always();
    boolean ok = result.succeeded();
    boolean killed = result.timedOut();
    Pod ran = client.pods().inNamespace(namespace).withName(pod).get();
    Job latest = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    if (ran == null || latest == null) {
      LOG.info("Job {}/{} was removed while its pod {} ran: no status written", namespace,
          name, pod);
      return;
    }
    ran.setStatus(new PodStatusBuilder().withPhase(ok ? "Succeeded" : "Failed")
        .addNewContainerStatus().withName(container.getName()).withNewState().withNewTerminated()
          .withExitCode(killed ? 137 : result.exitCode()).withReason(ok ? "Completed" : "Error")
        .endTerminated().endState().endContainerStatus().build());
    if (!writeStatus(() -> client.pods().inNamespace(namespace).resource(ran).updateStatus())) {
      return;
    }
    latest = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    if (latest == null) {
      return; // removed meanwhile
    }
    latest.setStatus(new JobStatusBuilder()
        .withStartTime(started.toString())
        .withCompletionTime(ok ? Instant.now().toString() : null)
        .withSucceeded(ok ? 1 : 0)
        .withFailed(ok ? 0 : 1)
        .withConditions(new JobConditionBuilder()
            .withType(ok ? "Complete" : "Failed")
            .withStatus("True")
            .withReason(ok ? null : killed ? "DeadlineExceeded" : "BackoffLimitExceeded")
            .withLastTransitionTime(Instant.now().toString())
            .build())
        .build());
    Job finished = latest;
    writeStatus(() -> client.batch().v1().jobs().inNamespace(namespace).resource(finished)
        .updateStatus());
  }

  private ProcessRunner.Result runContainer(String namespace, String name, Container container,
      Job job) {
    try {
      return ProcessRunner.run(workingDir(container), environment(namespace, container),
          Duration.ofSeconds(job.getSpec().getActiveDeadlineSeconds()),
          command(container.getCommand()));
    } catch (RuntimeException e) {
      // Kubernetes would report the container as not runnable; here it is a harness fault too.
      fail("Job " + namespace + "/" + name + ": cannot start the container "
          + container.getName(), e);
      return new ProcessRunner.Result(127, "cannot start the container: " + e.getMessage());
    }
  }

  /** Writes a status; false if the object was removed meanwhile (not a failure). */
  private static boolean writeStatus(Runnable write) {
    try {
      write.run();
      return true;
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
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
    closed = true;
    ttlController.shutdownNow();
    if (informer != null) {
      informer.close();
    }
    pods.shutdownNow();
  }
}
