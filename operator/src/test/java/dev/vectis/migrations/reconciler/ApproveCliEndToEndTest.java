package dev.vectis.migrations.reconciler;

import static dev.vectis.migrations.reconciler.EndToEndHarness.IMAGE;
import static dev.vectis.migrations.reconciler.EndToEndHarness.NAMESPACE;
import static dev.vectis.migrations.reconciler.EndToEndHarness.OLD_IMAGE;
import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.MERGE;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vectis.migrations.api.ApprovalRequired;
import dev.vectis.migrations.api.PendingPlan;
import dev.vectis.migrations.cli.ClusterFixture;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rollback that needs approval, done the way a person does it with the CLI against the real
 * operator: {@code kubectl smig plan}, a refused stale hash, {@code approve --plan-hash}, the
 * app's {@code wait} through AwaitingApproval, then {@code history}.
 */
@Tag("slow")
@ExtendWith(PostgresExtension.class)
class ApproveCliEndToEndTest {
  private static final String NAME = "vectis-backend";

  @TempDir Path images;
  @TempDir Path volume;
  @TempDir Path work;

  @Test
  void aRollbackIsReviewedApprovedByHashWaitedForAndRemembered(TestDatabase db)
      throws Exception {
    try (EndToEndHarness harness = new EndToEndHarness(images, volume)) {
      harness.createSecret(db);
      harness.start("operator", OperatorRunner.Settings.defaults());
      ClusterFixture cli = new ClusterFixture(harness.api.client(), harness.api.url(),
          NAMESPACE, work);
      harness.create(NAME, "head", IMAGE, spec -> spec.approval.required =
          ApprovalRequired.Downgrade);
      harness.awaitReadyAt(NAME, HEAD);

      harness.editSpec(NAME, spec -> {
        spec.image = OLD_IMAGE;
        spec.downgrade.allow = true;
      });
      CompletableFuture<ClusterFixture.Run> app = cli.start("wait", NAME, "--image", OLD_IMAGE,
          "--timeout=90s", "--poll-interval=200ms");
      await().atMost(Duration.ofSeconds(90)).until(() -> {
        var status = harness.get(NAME).getStatus();
        return status.pendingPlan != null;
      });
      PendingPlan plan = harness.get(NAME).getStatus().pendingPlan;
      Thread.sleep(1_000); // the app's wait sees AwaitingApproval

      ClusterFixture.Run shown = cli.run("smig", "plan", NAME);
      assertThat(shown.exitCode()).isZero();
      assertThat(shown.stdout()).contains("--plan-hash " + plan.planHash, "Direction: downgrade",
          "From:      " + HEAD, "To:        " + MERGE, "Backup:    yes", "multi_currency");

      ClusterFixture.Run stale = cli.run("approve", NAMESPACE + "/" + NAME, "--plan-hash",
          "0123456789abcdef");
      assertThat(stale.exitCode()).isEqualTo(1);
      assertThat(stale.stderr()).contains("the plan changed since you reviewed it");
      assertThat(harness.get(NAME).getMetadata().getAnnotations()).as("nothing written")
          .doesNotContainKey(dev.vectis.migrations.api.SchemaMigration.APPROVE_ANNOTATION);

      ClusterFixture.Run approved = cli.run("smig", "approve", NAME, "--plan-hash",
          plan.planHash);
      assertThat(approved.exitCode()).as(approved.stderr()).isZero();
      assertThat(approved.stdout()).contains("Approved shop/" + NAME + ": downgrade " + HEAD
          + " → " + MERGE + ", 1 step, backup first, plan hash " + plan.planHash);

      ClusterFixture.Run waited = app.get(120, TimeUnit.SECONDS);
      assertThat(waited.exitCode()).as(waited.stderr()).isZero();
      assertThat(waited.stdout()).contains("wait: shop/" + NAME + ": AwaitingApproval: ");
      assertThat(versionRows(db)).containsExactly(MERGE);

      JsonNode history = Serialization.jsonMapper().readTree(cli.run("history",
          NAMESPACE + "/" + NAME, "-o", "json").stdout()).path("history");
      JsonNode rollback = history.get(0).path("entry");
      assertThat(rollback.path("action").asText()).isEqualTo("migrate");
      assertThat(rollback.path("direction").asText()).isEqualTo("downgrade");
      assertThat(rollback.path("planHash").asText()).isEqualTo(plan.planHash);
      assertThat(cli.run("smig", "history", NAME).stdout().lines().skip(1).findFirst()
          .orElseThrow()).contains("migrate", "downgrade", HEAD, MERGE, "Succeeded",
          plan.planHash.substring(0, 12));
    }
  }
}
