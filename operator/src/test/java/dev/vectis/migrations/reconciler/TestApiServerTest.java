package dev.vectis.migrations.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.api.SecretRef;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The test API server behaves like Kubernetes where the operator's tests depend on it. */
class TestApiServerTest {
  private TestApiServer api;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    api = TestApiServer.start();
    client = api.client();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private static ConfigMap configMap(String name, int bytes) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace("shop")
        .endMetadata().addToData("blob", "x".repeat(bytes)).build();
  }

  @Test
  void anObjectOverOneMebibyteIsRefusedWith422AndNotStored() {
    KubernetesClientException refused = catchThrowableOfType(KubernetesClientException.class,
        () -> client.configMaps().inNamespace("shop").resource(configMap("big", 1_100_000))
            .create());
    assertThat(refused.getCode()).isEqualTo(422);
    assertThat(refused.getStatus().getReason()).isEqualTo("Invalid");
    assertThat(refused.getStatus().getMessage())
        .isEqualTo("ConfigMap \"big\" is invalid: []: Too long: must have at most 1048576 bytes");
    assertThat(client.configMaps().inNamespace("shop").withName("big").get()).isNull();

    assertThat(client.configMaps().inNamespace("shop").resource(configMap("fits", 1_000_000))
        .create()).isNotNull();
  }

  @Test
  void anUpdateOrPatchThatGrowsAnObjectOverTheLimitIsRefusedAndChangesNothing() {
    ConfigMap small = client.configMaps().inNamespace("shop").resource(configMap("grows", 10))
        .create();
    KubernetesClientException patched = catchThrowableOfType(KubernetesClientException.class,
        () -> client.configMaps().inNamespace("shop").withName("grows").edit(c -> {
          c.getData().put("more", "y".repeat(1_048_576));
          return c;
        }));
    assertThat(patched.getCode()).isEqualTo(422);
    ConfigMap big = configMap("grows", 1_048_577);
    big.getMetadata().setResourceVersion(small.getMetadata().getResourceVersion());
    KubernetesClientException replaced = catchThrowableOfType(KubernetesClientException.class,
        () -> client.configMaps().inNamespace("shop").resource(big).update());
    assertThat(replaced.getCode()).isEqualTo(422);
    assertThat(replaced.getMessage()).contains("Too long: must have at most 1048576 bytes");
    ConfigMap stored = client.configMaps().inNamespace("shop").withName("grows").get();
    assertThat(stored.getData()).containsOnlyKeys("blob");
    assertThat(stored.getMetadata().getResourceVersion())
        .isEqualTo(small.getMetadata().getResourceVersion());
  }

  private SchemaMigration create(long sentGeneration) {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName("vectis-backend").withNamespace("shop")
        .withGeneration(sentGeneration).build());
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    spec.image = "registry.example.com/vectis/backend:1.14.0";
    spec.targetRevision = "head";
    spec.database = new DatabaseSpec();
    spec.database.secretRef = new SecretRef();
    spec.database.secretRef.name = "vectis-db-app";
    resource.setSpec(spec);
    return client.resources(SchemaMigration.class).inNamespace("shop").resource(resource)
        .create();
  }

  private long generation() {
    return client.resources(SchemaMigration.class).inNamespace("shop")
        .withName("vectis-backend").get().getMetadata().getGeneration();
  }

  @Test
  void theGenerationStartsAtOneAndAdvancesOnSpecChangesOnly() {
    assertThat(create(7).getMetadata().getGeneration()).as("a sent generation is ignored")
        .isEqualTo(1);

    var resources = client.resources(SchemaMigration.class).inNamespace("shop");
    SchemaMigration read = resources.withName("vectis-backend").get();
    read.setStatus(new SchemaMigrationStatus());
    read.getStatus().phase = dev.vectis.migrations.api.Phase.Pending;
    read.getStatus().observedGeneration = 1L;
    SchemaMigration written = client.resource(read).updateStatus();
    assertThat(written.getStatus().phase).isEqualTo(dev.vectis.migrations.api.Phase.Pending);
    assertThat(generation()).as("a status write").isEqualTo(1);

    resources.withName("vectis-backend").edit(r -> {
      r.getMetadata().setLabels(java.util.Map.of("team", "shop"));
      r.getMetadata().setAnnotations(java.util.Map.of("migrations.vectis.dev/approve", "x"));
      return r;
    });
    assertThat(generation()).as("labels and annotations").isEqualTo(1);

    resources.withName("vectis-backend").edit(r -> {
      r.getSpec().targetRevision = "a3e2f1b8c9d4";
      return r;
    });
    assertThat(generation()).as("a spec change (PATCH)").isEqualTo(2);

    SchemaMigration replaced = resources.withName("vectis-backend").get();
    replaced.getSpec().retryToken = "again";
    replaced.getMetadata().setGeneration(40L);
    resources.resource(replaced).update();
    assertThat(generation()).as("a spec change (PUT), the sent generation ignored")
        .isEqualTo(3);

    resources.withName("vectis-backend").edit(r -> r);
    assertThat(generation()).as("a write that changes nothing").isEqualTo(3);
  }

  @Test
  void statusIsASubresource() {
    create(1);
    var resources = client.resources(SchemaMigration.class).inNamespace("shop");
    SchemaMigration read = resources.withName("vectis-backend").get();
    read.setStatus(new SchemaMigrationStatus());
    read.getStatus().phase = dev.vectis.migrations.api.Phase.Ready;
    client.resource(read).updateStatus();

    SchemaMigration overwrite = resources.withName("vectis-backend").get();
    overwrite.getStatus().phase = dev.vectis.migrations.api.Phase.Failed;
    overwrite.getSpec().retryToken = "x";
    resources.resource(overwrite).update();
    SchemaMigration stored = resources.withName("vectis-backend").get();
    assertThat(stored.getStatus().phase).as("a write to the resource keeps its status")
        .isEqualTo(dev.vectis.migrations.api.Phase.Ready);
    assertThat(stored.getSpec().retryToken).isEqualTo("x");

    stored.getSpec().retryToken = "y";
    stored.getStatus().phase = dev.vectis.migrations.api.Phase.Blocked;
    client.resource(stored).updateStatus();
    SchemaMigration after = resources.withName("vectis-backend").get();
    assertThat(after.getSpec().retryToken).as("a status write keeps the spec").isEqualTo("x");
    assertThat(after.getStatus().phase).isEqualTo(dev.vectis.migrations.api.Phase.Blocked);
  }

  @Test
  void writesAreJournaledWithTheirClient() {
    KubernetesClient operatorA = api.newClient("operator-a");
    operatorA.configMaps().inNamespace("shop").resource(configMap("a", 1)).create();
    assertThat(api.writes()).anySatisfy(write -> {
      assertThat(write.userAgent()).isEqualTo("operator-a");
      assertThat(write.method()).isEqualTo("POST");
      assertThat(write.path()).isEqualTo("/api/v1/namespaces/shop/configmaps");
      assertThat(write.code()).isEqualTo(201);
    });
  }
}
