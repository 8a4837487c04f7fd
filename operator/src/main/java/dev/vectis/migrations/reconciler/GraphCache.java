package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.Sha256;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.plan.Inspection;
import dev.vectis.migrations.revision.InspectionScript;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.Map;

/**
 * Revision graphs per image, kept in a ConfigMap owned by the SchemaMigration
 * ({@code <name>-revisions}), so a restarted operator does not inspect an image again.
 */
public final class GraphCache {
  private final KubernetesClient client;
  private final SchemaMigration resource;

  GraphCache(KubernetesClient client, SchemaMigration resource) {
    this.client = client;
    this.resource = resource;
  }

  static String configMapName(SchemaMigration resource) {
    return resource.getMetadata().getName() + "-revisions";
  }

  Inspection get(String image) {
    ConfigMap map = configMap();
    String document = map == null || map.getData() == null ? null : map.getData().get(key(image));
    if (document == null) {
      return Inspection.unknown();
    }
    InspectionScript.Result result = InspectionScript.parse(document);
    return result.ok() ? new Inspection.Loaded(result.graph())
        : new Inspection.Failed(result.error());
  }

  void put(String image, String inspectionOutput) {
    ConfigMap existing = configMap();
    Map<String, String> data = existing == null || existing.getData() == null
        ? new HashMap<>() : new HashMap<>(existing.getData());
    data.put(key(image), lastJsonLine(inspectionOutput));
    Map<String, String> annotations = existing == null
        || existing.getMetadata().getAnnotations() == null ? new HashMap<>()
        : new HashMap<>(existing.getMetadata().getAnnotations());
    annotations.put("migrations.vectis.dev/image." + key(image), image);
    ConfigMap map = new ConfigMapBuilder()
        .withNewMetadata()
          .withName(configMapName(resource))
          .withNamespace(resource.getMetadata().getNamespace())
          .withAnnotations(annotations)
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion(resource.getApiVersion()).withKind(resource.getKind())
              .withName(resource.getMetadata().getName())
              .withUid(resource.getMetadata().getUid()).build())
        .endMetadata()
        .withData(data)
        .build();
    client.configMaps().inNamespace(resource.getMetadata().getNamespace()).resource(map)
        .createOr(operation -> operation.update());
  }

  private ConfigMap configMap() {
    return client.configMaps().inNamespace(resource.getMetadata().getNamespace())
        .withName(configMapName(resource)).get();
  }

  private static String lastJsonLine(String output) {
    String[] lines = output.strip().split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      if (lines[i].strip().startsWith("{")) {
        return lines[i].strip();
      }
    }
    return output.strip();
  }

  /** A ConfigMap key for an image reference (which may hold ':' and '/'). */
  public static String key(String image) {
    return "graph-" + Sha256.hex(image).substring(0, 20);
  }
}
