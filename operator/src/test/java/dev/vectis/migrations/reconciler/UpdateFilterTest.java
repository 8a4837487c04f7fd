package dev.vectis.migrations.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which updates of a SchemaMigration wake the reconciler (OperatorRunner's update filter). */
class UpdateFilterTest {
  private static SchemaMigration resource(long generation, Map<String, String> annotations) {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName("vectis-backend")
        .withGeneration(generation).withAnnotations(annotations).build());
    resource.setStatus(new SchemaMigrationStatus());
    return resource;
  }

  @Test
  void aSpecChangeOrAnApprovalWakesItAndItsOwnStatusWriteDoesNot() {
    SchemaMigration before = resource(2, Map.of("team", "shop"));
    assertThat(SchemaMigrationReconciler.worthReconciling(resource(3, Map.of("team", "shop")),
        before)).as("a new generation").isTrue();
    SchemaMigration statusWritten = resource(2, Map.of("team", "shop"));
    statusWritten.getStatus().phase = dev.vectis.migrations.api.Phase.Ready;
    assertThat(SchemaMigrationReconciler.worthReconciling(statusWritten, before))
        .as("our own status write").isFalse();
    assertThat(SchemaMigrationReconciler.worthReconciling(resource(2, Map.of("team", "other")),
        before)).as("another annotation").isFalse();
    assertThat(SchemaMigrationReconciler.worthReconciling(resource(2, Map.of("team", "shop",
        SchemaMigration.APPROVE_ANNOTATION, "0123456789abcdef")), before))
        .as("an approval").isTrue();
    assertThat(SchemaMigrationReconciler.worthReconciling(resource(2, Map.of()),
        resource(2, Map.of(SchemaMigration.APPROVE_ANNOTATION, "0123456789abcdef"))))
        .as("an approval taken back").isTrue();
  }
}
