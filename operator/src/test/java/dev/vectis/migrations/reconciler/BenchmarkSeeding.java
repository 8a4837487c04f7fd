package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.api.SchemaMigration;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * For benchmarks: puts a revision graph in the operator's graph cache through
 * {@link GraphCache}'s own code, so a benchmark does not copy the cache's format. When the cache
 * changes shape, this is the one place a benchmark's seeding follows it.
 */
public final class BenchmarkSeeding {
  private BenchmarkSeeding() {}

  /**
   * Caches the graph printed by the inspection script ({@code inspectionOutput}) for
   * {@code image}, as the operator does when an inspection Job finished.
   *
   * @param resource the SchemaMigration as created (with its uid: the cache is owned by it)
   */
  public static void cacheGraph(KubernetesClient client, SchemaMigration resource, String image,
      String inspectionOutput) {
    client.configMaps().inNamespace(resource.getMetadata().getNamespace()).resource(
        GraphCache.toConfigMap(resource, image, inspectionOutput, java.time.Instant.now()))
        .create();
  }
}
