package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.jobs.JobFactory;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The backup volume: created on the first backup when missing, deliberately without an owner
 * reference, so deleting the SchemaMigration keeps the dumps.
 */
final class BackupClaims {
  private BackupClaims() {}

  static void ensure(KubernetesClient client, SchemaMigration resource) {
    String namespace = resource.getMetadata().getNamespace();
    String name = JobFactory.backupClaim(resource);
    if (client.persistentVolumeClaims().inNamespace(namespace).withName(name).get() != null) {
      return;
    }
    PersistentVolumeClaim claim = new PersistentVolumeClaimBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(namespace)
          .addToLabels(JobFactory.MANAGED_BY, JobFactory.OPERATOR)
          .addToLabels(JobFactory.NAME_LABEL, JobFactory.nameLabel(resource))
        .endMetadata()
        .withNewSpec()
          .withAccessModes("ReadWriteOnce")
          .withStorageClassName(resource.getSpec().backup.storageClassName)
          .withNewResources()
            .addToRequests("storage", new Quantity(resource.getSpec().backup.storageSize))
          .endResources()
        .endSpec()
        .build();
    client.persistentVolumeClaims().inNamespace(namespace).resource(claim).create();
  }
}
