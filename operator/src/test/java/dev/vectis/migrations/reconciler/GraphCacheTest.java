package dev.vectis.migrations.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vectis.migrations.Sha256;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.plan.Inspection;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The graph cache over many releases of a large project, against the test API server: each
 * image's graph in its own ConfigMap under the API server's 1 MiB, old ones pruned, the ones the
 * status needs kept.
 */
class GraphCacheTest {
  static final int API_SERVER_LIMIT = TestApiServer.MAX_OBJECT_BYTES;
  static final String NAMESPACE = "shop";

  TestApiServer api;
  KubernetesClient client;
  SchemaMigration resource;

  @AfterEach
  void stopServer() {
    api.close();
  }

  @BeforeEach
  void createResource() {
    // Refuses objects over 1 MiB with 422, as the API server does.
    api = TestApiServer.start();
    client = api.client();
    SchemaMigration migration = new SchemaMigration();
    migration.setMetadata(new ObjectMetaBuilder().withName("vectis-backend")
        .withNamespace(NAMESPACE).withUid("uid-1").build());
    migration.setSpec(new SchemaMigrationSpec());
    resource = client.resources(SchemaMigration.class).inNamespace(NAMESPACE)
        .resource(migration).create();
  }

  @Test
  void aFiveThousandRevisionProjectOverThirtyReleasesKeepsWorking() {
    GraphCache cache = new GraphCache();
    List<ConfigMap> stored = new ArrayList<>();
    String applied = null;
    for (int release = 1; release <= 30; release++) {
      String image = "registry.example.com/vectis/backend:1." + release;
      int revisions = 5000 + 20 * release;
      Set<String> needed = new HashSet<>(Set.of(image));
      if (applied != null) {
        needed.add(applied);
      }
      GraphCache.store(client, resource, image, "some warning\n" + inspection(revisions, 0),
          stored, needed, Instant.parse("2026-11-30T00:00:00Z").plusSeconds(release));

      List<ConfigMap> onServer = client.configMaps().inNamespace(NAMESPACE).list().getItems();
      assertThat(onServer).as("release %d", release)
          .hasSizeLessThanOrEqualTo(needed.size() + GraphCache.KEEP_RECENT);
      for (ConfigMap map : onServer) {
        assertThat(Serialization.asJson(map).getBytes(StandardCharsets.UTF_8).length)
            .isLessThan(API_SERVER_LIMIT / 2);
      }
      assertThat(cache.get(onServer, image)).isInstanceOfSatisfying(Inspection.Loaded.class,
          loaded -> assertThat(loaded.graph().revisions()).hasSize(revisions));
      if (applied != null) {
        assertThat(cache.get(onServer, applied)).as("the applied image's graph, for a rollback")
            .isInstanceOf(Inspection.Loaded.class);
      }
      applied = image;
    }
    assertThat(client.configMaps().inNamespace(NAMESPACE).list().getItems())
        .extracting(map -> map.getMetadata().getAnnotations().get(GraphCache.IMAGE_ANNOTATION))
        .as("the last releases").contains("registry.example.com/vectis/backend:1.30",
            "registry.example.com/vectis/backend:1.29", "registry.example.com/vectis/backend:1.28")
        .doesNotContain("registry.example.com/vectis/backend:1.1");
  }

  @Test
  void theOtherCachedGraphsComeMostRecentFirstWithoutTheExcludedOrUnreadable() {
    List<ConfigMap> stored = new ArrayList<>();
    Instant start = Instant.parse("2026-11-30T00:00:00Z");
    for (int release = 1; release <= 3; release++) {
      String image = "registry.example.com/vectis/backend:1." + release;
      stored.add(GraphCache.toConfigMap(resource, image, inspection(10 + release, 0),
          start.plusSeconds(release)));
    }
    stored.add(GraphCache.toConfigMap(resource, "registry.example.com/vectis/backend:broken",
        "{\"error\": \"no alembic.ini\"}", start.plusSeconds(9)));

    var others = new GraphCache().others(stored,
        Set.of("registry.example.com/vectis/backend:1.2"));
    assertThat(others.keySet()).containsExactly("registry.example.com/vectis/backend:1.3",
        "registry.example.com/vectis/backend:1.1");
    assertThat(others.values()).allMatch(Inspection.Loaded.class::isInstance);
  }

  @Test
  void aGraphTooLargeToStoreIsAFailedInspectionThatSaysSoAndFits() {
    String image = "registry.example.com/vectis/backend:huge";
    List<ConfigMap> stored = new ArrayList<>();
    ConfigMap written = GraphCache.store(client, resource, image, inspection(60_000, 40), stored,
        Set.of(image), Instant.now());

    assertThat(Serialization.asJson(written).length()).isLessThan(API_SERVER_LIMIT);
    assertThat(new GraphCache().get(stored, image)).isInstanceOfSatisfying(
        Inspection.Failed.class, failed -> assertThat(failed.error())
            .contains(image, "KiB compressed", "1 MiB", "squash old revisions"));
  }

  @Test
  void equalContentIsParsedOnceForAllResources() {
    String image = "registry.example.com/vectis/backend:1.0";
    String output = inspection(200, 0);
    GraphCache cache = new GraphCache();
    ConfigMap first = GraphCache.toConfigMap(resource, image, output, Instant.now());
    SchemaMigration other = Serialization.clone(resource);
    other.getMetadata().setName("other");
    ConfigMap second = GraphCache.toConfigMap(other, image, output, Instant.now());

    Inspection.Loaded a = (Inspection.Loaded) cache.get(List.of(first), image);
    Inspection.Loaded b = (Inspection.Loaded) cache.get(List.of(second), image);
    assertThat(b.graph()).isSameAs(a.graph());
  }

  @Test
  void aDocumentStoredBeforeOperationsWereCapturedIsInspectedAgain() {
    String image = "registry.example.com/vectis/backend:1.0";
    String current = inspection(20, 0);
    String old = current.replace(",\"changes\":{}", "");
    assertThat(old).doesNotContain("changes");
    GraphCache cache = new GraphCache();
    assertThat(cache.get(List.of(GraphCache.toConfigMap(resource, image, old, Instant.now())),
        image)).as("the policy cannot lint it: inspect again").isInstanceOf(
        Inspection.Unknown.class);
    assertThat(cache.get(List.of(GraphCache.toConfigMap(resource, image, current,
        Instant.now())), image)).isInstanceOf(Inspection.Loaded.class);
  }

  @Test
  void operationsTooLargeToStoreAreLeftOutAndTheGraphStaysUsable() throws Exception {
    String image = "registry.example.com/vectis/backend:many-operations";
    ObjectMapper json = new ObjectMapper();
    ObjectNode document = (ObjectNode) json.readTree(inspection(3000, 0));
    ObjectNode changes = document.putObject("changes");
    Random random = new Random(7);
    for (JsonNode revision : document.get("revisions")) {
      StringBuilder sql = new StringBuilder("UPDATE t SET x = '");
      for (int c = 0; c < 400; c++) {
        sql.append((char) ('a' + random.nextInt(26)));
      }
      ObjectNode operation = changes.putObject(revision.get("revision").asText())
          .put("file", "versions/x.py").putObject("upgrade").put("defined", true)
          .putArray("operations").addObject();
      operation.put("op", "ExecuteSQLOp").put("line", 10).put("sql", sql.append("'").toString());
    }
    List<ConfigMap> stored = new ArrayList<>();
    ConfigMap written = GraphCache.store(client, resource, image, document.toString(), stored,
        Set.of(image), Instant.now());

    assertThat(Serialization.asJson(written).length()).isLessThan(API_SERVER_LIMIT);
    assertThat(new GraphCache().get(stored, image)).as("not inspected again and again")
        .isInstanceOfSatisfying(Inspection.Loaded.class, loaded -> {
          assertThat(loaded.graph().revisions()).hasSize(3000);
          assertThat(loaded.changes()).isEmpty();
        });
  }

  /** The inspection script's document for a linear history with random docstrings. */
  private static String inspection(int revisions, int docLength) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode document = json.createObjectNode().put("alembic_version", "1.8.1");
    ArrayNode list = document.putArray("revisions");
    Random random = new Random(revisions);
    String previous = null;
    for (int i = 0; i < revisions; i++) {
      String id = Sha256.hex("revision " + i).substring(0, 12);
      StringBuilder doc = new StringBuilder("change " + i + " ");
      for (int c = 0; c < docLength; c++) {
        doc.append((char) ('a' + random.nextInt(26)));
      }
      ObjectNode revision = list.addObject().put("revision", id).put("doc", doc.toString())
          .put("upgrade_empty", false).put("downgrade_empty", false);
      if (previous == null) {
        revision.putNull("down_revision");
      } else {
        revision.put("down_revision", previous);
      }
      revision.putArray("branch_labels");
      revision.putArray("depends_on");
      previous = id;
    }
    document.putArray("heads").add(previous);
    document.putArray("bases").add(Sha256.hex("revision 0").substring(0, 12));
    document.putObject("changes");
    return document.toString();
  }
}
