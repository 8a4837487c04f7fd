package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.database.SecretMasker;
import dev.vectis.migrations.plan.ActionResult;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.function.Function;

/**
 * A finished Job as an {@link ActionResult}: how its pod's container ended (exit code,
 * OOMKilled), whether the Job hit its deadline, and the pod's log, masked. What it means is
 * decided by {@code Outcomes}, the same as in local mode.
 */
final class JobResults {
  private JobResults() {}

  static boolean finished(Job job) {
    return condition(job, "Complete") != null || condition(job, "Failed") != null;
  }

  /**
   * @param backupLocation turns a backup's path inside the volume into status.lastBackup's
   *     location
   */
  static ActionResult of(KubernetesClient client, Job job, SecretMasker masker,
      Function<String, String> backupLocation) {
    Pod pod = lastPod(client, job);
    String log = masker.mask(log(client, job, pod));
    ContainerStateTerminated terminated = terminated(pod);
    if (condition(job, "Complete") != null) {
      ActionResult.Backup backup = BackupScript.parse(log).map(result -> new ActionResult.Backup(
          backupLocation.apply(result.path()), result.sizeBytes(), result.sha256())).orElse(null);
      return new ActionResult(ActionResult.Ending.EXITED, 0, log, backup);
    }
    JobCondition failed = condition(job, "Failed");
    if (failed != null && "DeadlineExceeded".equals(failed.getReason())) {
      return new ActionResult(ActionResult.Ending.DEADLINE_EXCEEDED, -1, log, null);
    }
    ContainerStatus failedInit = failedInitContainer(pod);
    if (failedInit != null) {
      // The rehearsal's schema copy runs first; when it fails, the main container never ran
      // and the story is in the init container's log.
      ContainerStateTerminated initEnd = failedInit.getState().getTerminated();
      String initLog = masker.mask(log(client, job, pod, failedInit.getName()));
      if ("OOMKilled".equals(initEnd.getReason())) {
        return new ActionResult(ActionResult.Ending.OUT_OF_MEMORY, -1, initLog, null);
      }
      return ActionResult.exited(initEnd.getExitCode() == null || initEnd.getExitCode() == 0
          ? 1 : initEnd.getExitCode(), initLog);
    }
    if (terminated != null && "OOMKilled".equals(terminated.getReason())) {
      return new ActionResult(ActionResult.Ending.OUT_OF_MEMORY, -1, log, null);
    }
    if (terminated == null && log.isBlank()) {
      return new ActionResult(ActionResult.Ending.NEVER_RAN, -1, log, null);
    }
    int exitCode = terminated != null && terminated.getExitCode() != null
        ? terminated.getExitCode() : 1;
    return ActionResult.exited(exitCode == 0 ? 1 : exitCode, log);
  }

  private static Pod lastPod(KubernetesClient client, Job job) {
    List<Pod> pods = client.pods().inNamespace(job.getMetadata().getNamespace())
        .withLabel("job-name", job.getMetadata().getName()).list().getItems();
    return pods.isEmpty() ? null : pods.get(pods.size() - 1);
  }

  private static String log(KubernetesClient client, Job job, Pod pod) {
    return log(client, job, pod, null);
  }

  private static String log(KubernetesClient client, Job job, Pod pod, String container) {
    if (pod == null) {
      return "";
    }
    try {
      var podResource = client.pods().inNamespace(job.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName());
      String log = container == null ? podResource.getLog()
          : podResource.inContainer(container).getLog();
      return log == null ? "" : log;
    } catch (KubernetesClientException e) {
      return "(the log of pod " + pod.getMetadata().getName() + " cannot be read: "
          + e.getMessage() + ")";
    }
  }

  /** An init container that ended with an error (the main container then never ran). */
  private static ContainerStatus failedInitContainer(Pod pod) {
    if (pod == null || pod.getStatus() == null
        || pod.getStatus().getInitContainerStatuses() == null) {
      return null;
    }
    for (ContainerStatus container : pod.getStatus().getInitContainerStatuses()) {
      ContainerStateTerminated end = container.getState() == null ? null
          : container.getState().getTerminated();
      if (end != null && (end.getExitCode() == null || end.getExitCode() != 0)) {
        return container;
      }
    }
    return null;
  }

  private static ContainerStateTerminated terminated(Pod pod) {
    if (pod == null || pod.getStatus() == null
        || pod.getStatus().getContainerStatuses() == null) {
      return null;
    }
    for (ContainerStatus container : pod.getStatus().getContainerStatuses()) {
      if (container.getState() != null && container.getState().getTerminated() != null) {
        return container.getState().getTerminated();
      }
    }
    return null;
  }

  private static JobCondition condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return null;
    }
    for (JobCondition condition : job.getStatus().getConditions()) {
      if (type.equals(condition.getType()) && "True".equals(condition.getStatus())) {
        return condition;
      }
    }
    return null;
  }
}
