package dev.vectis.migrations.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;

/** The log of a finished Job's pod (the last one, should there be several). */
final class JobLogs {
  private JobLogs() {}

  static String read(KubernetesClient client, Job job) {
    String namespace = job.getMetadata().getNamespace();
    List<Pod> pods = client.pods().inNamespace(namespace)
        .withLabel("job-name", job.getMetadata().getName()).list().getItems();
    if (pods.isEmpty()) {
      return "";
    }
    Pod pod = pods.get(pods.size() - 1);
    try {
      String log = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
          .getLog();
      return log == null ? "" : log;
    } catch (KubernetesClientException e) {
      return "(the log of pod " + pod.getMetadata().getName() + " cannot be read: "
          + e.getMessage() + ")";
    }
  }
}
