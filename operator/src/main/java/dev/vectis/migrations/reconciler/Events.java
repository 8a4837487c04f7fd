package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.api.SchemaMigration;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events mirroring status transitions ("Stalled/DowngradeNotAllowed: ..."): Warning
 * for Stalled, Normal otherwise. Messages come already masked from the status.
 */
final class Events {
  private static final Logger LOG = LoggerFactory.getLogger(Events.class);

  private final KubernetesClient client;
  private final SchemaMigration resource;

  Events(KubernetesClient client, SchemaMigration resource) {
    this.client = client;
    this.resource = resource;
  }

  void publish(List<String> transitions) {
    for (String transition : transitions) {
      int slash = transition.indexOf('/');
      int colon = transition.indexOf(": ");
      String type = transition.substring(0, slash);
      String reason = transition.substring(slash + 1, colon);
      String message = transition.substring(colon + 2);
      // Stalled needs a person; new lint findings (Policy/...) are worth a look.
      String eventType = type.equals("Stalled") || type.equals("Policy") ? "Warning"
          : "Normal";
      LOG.info("{}/{}: {} {}: {}", resource.getMetadata().getNamespace(),
          resource.getMetadata().getName(), type, reason, message);
      try {
        client.v1().events().inNamespace(resource.getMetadata().getNamespace()).resource(
            new EventBuilder()
                .withNewMetadata()
                  .withName(resource.getMetadata().getName() + "." + UUID.randomUUID()
                      .toString().substring(0, 8))
                  .withNamespace(resource.getMetadata().getNamespace())
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                    .withApiVersion(resource.getApiVersion())
                    .withKind(resource.getKind())
                    .withName(resource.getMetadata().getName())
                    .withNamespace(resource.getMetadata().getNamespace())
                    .withUid(resource.getMetadata().getUid())
                    .build())
                .withType(eventType)
                .withReason(reason)
                .withMessage(message.length() > 1000 ? message.substring(0, 1000) + "…"
                    : message)
                .withLastTimestamp(Instant.now().toString())
                .withNewSource().withComponent("schema-migration-operator").endSource()
                .build()).create();
      } catch (KubernetesClientException e) {
        LOG.warn("cannot record an Event for {}: {}", resource.getMetadata().getName(),
            e.getMessage());
      }
    }
  }
}
