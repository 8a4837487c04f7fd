package dev.vectis.migrations.reconciler;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.api.ApprovalRequired;
import dev.vectis.migrations.api.HistoryEntry;
import dev.vectis.migrations.api.PendingPlan;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's approvals and history in the operator, end to end: a plan that needs approval
 * waits (Ready, Reconciling and Stalled all False, reason AwaitingApproval) with its plan and
 * hash in status.pendingPlan, runs once that hash is approved with the annotation, and an
 * approval of an earlier plan is void. Real Alembic, PostgreSQL and pg_dump.
 */
@Tag("slow")
@ExtendWith(PostgresExtension.class)
class ApprovalsEndToEndTest {
  static final String NAMESPACE = ResourceSteps.NAMESPACE;
  static final String NAME = "vectis-backend";
  static final String MERGE = "c9d8e7f6a5b4";

  @TempDir Path volume;
  @TempDir Path images;
  EndToEndHarness steps;
  KubernetesClient client;

  @BeforeEach
  void start() throws IOException {
    steps = new EndToEndHarness(images, volume);
    client = steps.client;
    steps.start("operator", OperatorRunner.Settings.defaults());
  }

  @AfterEach
  void stop() {
    steps.close();
  }

  private void approve(String planHash) {
    client.resources(SchemaMigration.class).inNamespace(NAMESPACE).withName(NAME).edit(r -> {
      r.getMetadata().getAnnotations().put(SchemaMigration.APPROVE_ANNOTATION, planHash);
      return r;
    });
  }

  /** Waits for a plan to wait for approval, other than {@code not}; returns it. */
  private PendingPlan awaitPendingPlan(String not) {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
      SchemaMigration resource = steps.get(NAME);
      Condition ready = steps.condition(NAME, "Ready");
      return ready != null && "AwaitingApproval".equals(ready.getReason())
          && resource.getStatus().pendingPlan != null
          && !resource.getStatus().pendingPlan.planHash.equals(not)
          && resource.getStatus().observedGeneration.equals(resource.getMetadata()
              .getGeneration());
    });
    SchemaMigration resource = steps.get(NAME);
    assertThat(resource.getStatus().conditions).as("neither Ready, Reconciling nor Stalled")
        .allMatch(condition -> condition.getStatus().equals("False"));
    return resource.getStatus().pendingPlan;
  }

  private List<String> actionsRun() {
    return steps.kubelet.runs().stream().map(KubeletStandIn.Run::action).toList();
  }

  @Test
  void aRollbackNeedingApprovalWaitsRunsOnceItsHashIsApprovedAndIsRemembered(TestDatabase db)
      throws SQLException {
    steps.createSecret(db);
    steps.create(NAME, "head", OperatorEndToEndTest.IMAGE, spec -> {
      spec.approval.required = ApprovalRequired.Downgrade;
      spec.history.limit = 3;
    });
    steps.awaitReadyAt(NAME, HEAD); // an upgrade needs no approval under Downgrade
    int runsBefore = steps.kubelet.runs().size();

    steps.editSpec(NAME, spec -> {
      spec.image = OperatorEndToEndTest.OLD_IMAGE;
      spec.downgrade.allow = true;
    });
    PendingPlan plan = awaitPendingPlan(null);
    assertThat(plan.direction).isEqualTo("downgrade");
    assertThat(plan.from).isEqualTo(HEAD);
    assertThat(plan.to).isEqualTo(MERGE);
    assertThat(plan.image).as("the image whose scripts know the downgrade")
        .isEqualTo(OperatorEndToEndTest.IMAGE);
    assertThat(plan.backup).isTrue();
    assertThat(plan.steps).extracting(step -> step.message).containsExactly("multi_currency");
    assertThat(steps.condition(NAME, "Ready").getMessage()).contains(plan.planHash,
        "migrations.vectis.dev/approve=" + plan.planHash);
    await().atMost(Duration.ofSeconds(10)).until(() -> client.v1().events()
        .inNamespace(NAMESPACE).list().getItems().stream().map(Event::getReason)
        .anyMatch("AwaitingApproval"::equals));

    // A wrong hash approves nothing: it waits, and says the approval is void.
    approve("0123456789abcdef");
    await().atMost(Duration.ofSeconds(30)).until(() -> steps.condition(NAME, "Ready")
        .getMessage().contains("0123456789abcdef"));
    assertThat(steps.kubelet.runs()).as("only the old image's inspection")
        .hasSize(runsBefore + 1);
    assertThat(versionRows(db)).containsExactly(HEAD);

    approve(plan.planHash);
    steps.awaitReadyAt(NAME, MERGE);
    assertThat(actionsRun().subList(runsBefore, steps.kubelet.runs().size()))
        .containsExactly("inspect", "backup", "migrate");
    SchemaMigration done = steps.get(NAME);
    assertThat(done.getStatus().pendingPlan).isNull();
    assertThat(done.getStatus().lastApproval.planHash).isEqualTo(plan.planHash);
    assertThat(done.getStatus().lastApproval.approvedAt).isNotBlank();
    List<HistoryEntry> history = done.getStatus().history;
    assertThat(history).as("spec.history.limit: 3 of migrate, seed, backup, migrate")
        .extracting(entry -> entry.action).containsExactly("migrate", "backup", "seed");
    HistoryEntry rollback = history.get(0);
    assertThat(rollback.direction).isEqualTo("downgrade");
    assertThat(rollback.from).isEqualTo(HEAD);
    assertThat(rollback.to).isEqualTo(MERGE);
    assertThat(rollback.result).isEqualTo("Succeeded");
    assertThat(rollback.planHash).isEqualTo(plan.planHash);
    assertThat(rollback.backup).isEqualTo(done.getStatus().lastBackup.location)
        .isEqualTo(history.get(1).backup);
    assertThat(history.get(1).planHash).isEqualTo(plan.planHash);
    assertThat(rollback.startedAt.compareTo(rollback.completedAt)).isNotPositive();
  }

  @Test
  void anApprovalIsVoidedByANewImageAndTheNewPlanIsApprovedOnItsOwn(TestDatabase db)
      throws SQLException {
    steps.createSecret(db);
    steps.create(NAME, "head", OperatorEndToEndTest.IMAGE,
        spec -> spec.approval.required = ApprovalRequired.Any);
    PendingPlan first = awaitPendingPlan(null);
    assertThat(first.direction).isEqualTo("upgrade");
    assertThat(first.to).isEqualTo(HEAD);

    // Before anyone approves, Git moves to another image: a new plan, a new hash.
    steps.editSpec(NAME, spec -> spec.image = OperatorEndToEndTest.OLD_IMAGE);
    PendingPlan second = awaitPendingPlan(first.planHash);
    assertThat(second.image).isEqualTo(OperatorEndToEndTest.OLD_IMAGE);
    assertThat(second.to).isEqualTo(MERGE);

    approve(first.planHash); // the approval given for the first image
    await().atMost(Duration.ofSeconds(30)).until(() -> steps.condition(NAME, "Ready")
        .getMessage().contains("is for another plan"));
    assertThat(actionsRun()).doesNotContain("migrate");
    assertThat(db.tableExists("alembic_version")).isFalse();

    approve(second.planHash);
    steps.awaitReadyAt(NAME, MERGE);
    assertThat(actionsRun()).containsOnlyOnce("migrate");
    SchemaMigration done = steps.get(NAME);
    assertThat(done.getStatus().history.get(0).planHash).as("the seed ran after it")
        .isNull();
    assertThat(done.getStatus().history.get(1).planHash).isEqualTo(second.planHash);
    assertThat(done.getStatus().history.get(1).image)
        .isEqualTo(OperatorEndToEndTest.OLD_IMAGE);
  }
}
