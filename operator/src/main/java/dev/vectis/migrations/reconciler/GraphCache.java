package dev.vectis.migrations.reconciler;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.vectis.migrations.Sha256;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.plan.Inspection;
import dev.vectis.migrations.policy.RevisionChanges;
import dev.vectis.migrations.revision.InspectionScript;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Revision graphs per image, so a restarted operator does not inspect an image again: one
 * ConfigMap per SchemaMigration and image ({@code <name>-graph-<hash>}), owned by the
 * SchemaMigration, the inspection's JSON gzipped in {@code binaryData}. Only the images the
 * status still needs and the last few are kept. Parsed graphs are shared in memory by content,
 * bounded by their number of revisions.
 */
public final class GraphCache {
  public static final String COMPONENT_LABEL = "migrations.vectis.dev/component";
  public static final String COMPONENT = "revision-graph";
  static final String IMAGE_ANNOTATION = "migrations.vectis.dev/image";
  static final String STORED_AT_ANNOTATION = "migrations.vectis.dev/stored-at";
  static final String DATA_KEY = "graph.json.gz";
  /**
   * The API server refuses objects over 1 MiB, and binaryData is stored in base64 (4/3): a
   * compressed graph over this is refused here, with a reason, instead of by the server.
   */
  static final int MAX_COMPRESSED_BYTES = 700 * 1024;
  /** Graphs kept besides the ones the status names: a rollback finds its graph. */
  static final int KEEP_RECENT = 3;

  private final Cache<String, Inspection> parsed;

  /** @param maxCachedRevisions how many revisions all parsed graphs in memory may hold */
  public GraphCache(long maxCachedRevisions) {
    this.parsed = Caffeine.newBuilder()
        .maximumWeight(maxCachedRevisions)
        .weigher((String key, Inspection inspection) -> inspection instanceof Inspection.Loaded
            loaded ? Math.max(1, loaded.graph().revisions().size()) : 1)
        .build();
  }

  public GraphCache() {
    this(100_000);
  }

  /** The graph of an image among a resource's cache ConfigMaps, parsed once per content. */
  public Inspection get(Collection<ConfigMap> stored, String image) {
    ConfigMap map = find(stored, image);
    String encoded = map == null || map.getBinaryData() == null ? null
        : map.getBinaryData().get(DATA_KEY);
    if (encoded == null) {
      return Inspection.unknown();
    }
    Inspection inspection = parsed.get(Sha256.hex(encoded), key -> parse(encoded));
    // Stored before the inspection captured operations: the policy could not lint them, so
    // the image is inspected again (its new document replaces this one).
    return inspection == STALE ? Inspection.unknown() : inspection;
  }

  /**
   * The graphs of the resource's cached images other than {@code excluded}, most recently
   * stored first (those that can be read): what a diagnosis of a revision the spec's image
   * does not contain looks in. Parsed only when asked, once per content.
   */
  public Map<String, Inspection> others(Collection<ConfigMap> stored, Set<String> excluded) {
    Map<String, Inspection> others = new java.util.LinkedHashMap<>();
    stored.stream().sorted(Comparator.comparing(GraphCache::storedAt).reversed())
        .map(GraphCache::imageOf)
        .filter(image -> image != null && !excluded.contains(image))
        .forEach(image -> {
          Inspection inspection = get(stored, image);
          if (inspection instanceof Inspection.Loaded) {
            others.putIfAbsent(image, inspection);
          }
        });
    return others;
  }

  /** What a cached document from before the capture of operations parses to (by identity). */
  private static final Inspection STALE = new Inspection.Failed("stored without operations");

  /**
   * The ConfigMap holding an inspection's result. A graph too large to store is stored as a
   * failed inspection saying so: the image is not inspected again and again.
   */
  public static ConfigMap toConfigMap(SchemaMigration resource, String image,
      String inspectionOutput, Instant now) {
    String document = lastJsonLine(inspectionOutput);
    byte[] compressed = gzip(document);
    if (compressed.length > MAX_COMPRESSED_BYTES) {
      // The captured operations are the bulk of a large document: without them the graph
      // still fits. The policy then says, per pending revision, that it was not checked
      // (raw-sql), rather than the image being inspected again and again.
      String withoutChanges = withoutChanges(document, compressed.length);
      if (withoutChanges != null) {
        compressed = gzip(withoutChanges);
      }
    }
    if (compressed.length > MAX_COMPRESSED_BYTES) {
      String error = "the revision graph of " + image + " is " + compressed.length / 1024
          + " KiB compressed, over the " + MAX_COMPRESSED_BYTES / 1024 + " KiB a cache "
          + "ConfigMap can hold (the API server's limit is 1 MiB per object); squash old "
          + "revisions into one";
      compressed = gzip(Serialization.asJson(Map.of("error", error)));
    }
    return new ConfigMapBuilder()
        .withNewMetadata()
          .withName(configMapName(resource, image))
          .withNamespace(resource.getMetadata().getNamespace())
          .withLabels(Map.of(COMPONENT_LABEL, COMPONENT,
              dev.vectis.migrations.jobs.JobFactory.MANAGED_BY,
              dev.vectis.migrations.jobs.JobFactory.OPERATOR))
          .withAnnotations(Map.of(IMAGE_ANNOTATION, image, STORED_AT_ANNOTATION, now.toString()))
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion(resource.getApiVersion()).withKind(resource.getKind())
              .withName(resource.getMetadata().getName())
              .withUid(resource.getMetadata().getUid()).build())
        .endMetadata()
        .withBinaryData(Map.of(DATA_KEY, Base64.getEncoder().encodeToString(compressed)))
        .build();
  }

  /**
   * Writes an image's graph and deletes the cache ConfigMaps no longer needed.
   *
   * @param stored the resource's cache ConfigMaps; updated to what is left
   * @param needed the images whose graphs must stay
   * @return the ConfigMap written
   */
  public static ConfigMap store(KubernetesClient client, SchemaMigration resource, String image,
      String inspectionOutput, List<ConfigMap> stored, Set<String> needed, Instant now) {
    String namespace = resource.getMetadata().getNamespace();
    ConfigMap map = toConfigMap(resource, image, inspectionOutput, now);
    ConfigMap written = client.configMaps().inNamespace(namespace).resource(map)
        .createOr(existing -> existing.update());
    stored.removeIf(old -> old.getMetadata().getName().equals(map.getMetadata().getName()));
    stored.add(written);
    for (ConfigMap old : prunable(stored, needed)) {
      client.configMaps().inNamespace(namespace).resource(old).delete();
      stored.remove(old);
    }
    return written;
  }

  /**
   * The cache ConfigMaps to delete: all but those of the images still needed and the
   * {@value #KEEP_RECENT} stored last.
   */
  private static List<ConfigMap> prunable(Collection<ConfigMap> stored, Set<String> needed) {
    List<ConfigMap> others = stored.stream()
        .filter(map -> !needed.contains(imageOf(map)))
        .sorted(Comparator.comparing(GraphCache::storedAt).reversed())
        .toList();
    return others.size() <= KEEP_RECENT ? List.of()
        : others.subList(KEEP_RECENT, others.size());
  }

  /** {@code <name>-graph-<hash of the image>}, within the 253 characters of a name. */
  public static String configMapName(SchemaMigration resource, String image) {
    String name = resource.getMetadata().getName();
    String suffix = "-graph-" + Sha256.hex(image).substring(0, 16);
    return name.substring(0, Math.min(name.length(), 253 - suffix.length())) + suffix;
  }

  private static ConfigMap find(Collection<ConfigMap> stored, String image) {
    for (ConfigMap map : stored) {
      if (image.equals(imageOf(map))) {
        return map;
      }
    }
    return null;
  }

  private static String imageOf(ConfigMap map) {
    Map<String, String> annotations = map.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(IMAGE_ANNOTATION);
  }

  private static String storedAt(ConfigMap map) {
    Map<String, String> annotations = map.getMetadata().getAnnotations();
    String at = annotations == null ? null : annotations.get(STORED_AT_ANNOTATION);
    return at == null ? "" : at;
  }

  private static Inspection parse(String encoded) {
    String document;
    try {
      document = gunzip(Base64.getDecoder().decode(encoded));
    } catch (IllegalArgumentException | UncheckedIOException e) {
      return new Inspection.Failed("the cached revision graph is unreadable; delete the "
          + "ConfigMap to inspect the image again");
    }
    InspectionScript.Result result = InspectionScript.parse(document);
    if (!result.ok()) {
      return new Inspection.Failed(result.error());
    }
    if (result.changes() == null) {
      return STALE;
    }
    try {
      return new Inspection.Loaded(result.graph(), RevisionChanges.parse(result.changes()));
    } catch (IllegalArgumentException e) {
      return new Inspection.Failed("the cached inspection's operations cannot be read ("
          + e.getMessage() + "); delete the ConfigMap to inspect the image again");
    }
  }

  /** The document with empty {@code changes} and a note why, or null when it has none. */
  private static String withoutChanges(String document, int compressedBytes) {
    try {
      com.fasterxml.jackson.databind.ObjectMapper json =
          new com.fasterxml.jackson.databind.ObjectMapper();
      com.fasterxml.jackson.databind.JsonNode tree = json.readTree(document);
      if (!(tree instanceof com.fasterxml.jackson.databind.node.ObjectNode object)
          || !object.has("changes")) {
        return null;
      }
      object.putObject("changes");
      object.put("changes_omitted", "the captured operations made the document "
          + compressedBytes / 1024 + " KiB compressed, over the " + MAX_COMPRESSED_BYTES / 1024
          + " KiB a cache ConfigMap can hold");
      return json.writeValueAsString(object);
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static String lastJsonLine(String output) {
    String document = InspectionScript.documentLine(output);
    return document != null ? document : output.strip();
  }

  private static byte[] gzip(String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static String gunzip(byte[] compressed) {
    try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(compressed))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
