package dev.vectis.migrations.reconciler;

import static dev.vectis.migrations.reconciler.EndToEndHarness.NAMESPACE;
import static dev.vectis.migrations.reconciler.EndToEndHarness.NEXT;
import static dev.vectis.migrations.reconciler.EndToEndHarness.NEXT_IMAGE;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import dev.vectis.migrations.testing.VectisProject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted operator adopts what the stopped one left, and never starts a second migration.
 * The operator is stopped at fixed points of the reconcile that creates the migrate Job (the
 * {@link Checkpoints} hook freezes that reconcile for good), never by timing; the migration is
 * held in flight by the kubelet stand-in until the test releases it.
 */
@Tag("slow")
@ExtendWith(PostgresExtension.class)
class RestartAdoptionEndToEndTest {
  @TempDir Path images;
  @TempDir Path volume;
  private EndToEndHarness harness;

  @BeforeEach
  void start() throws IOException {
    harness = new EndToEndHarness(images, volume);
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  /**
   * Stops the operator for good where it reaches {@code point} in a reconcile that creates a
   * Job of {@code action}: the thread never goes on (it waits until the operator is closed,
   * then throws), and every later checkpoint of that instance throws too.
   */
  static final class StopAt implements Checkpoints {
    private final Point point;
    private final String action;
    private final CountDownLatch reached = new CountDownLatch(1);
    private volatile boolean stopped;
    private volatile String job;

    StopAt(Point point, String action) {
      this.point = point;
      this.action = action;
    }

    @Override
    public void reached(Point at, SchemaMigration resource) {
      if (stopped) {
        throw new IllegalStateException("this operator was stopped at " + point);
      }
      var active = resource.getStatus() == null ? null : resource.getStatus().activeJob;
      if (at != point || active == null || !action.equals(active.action)) {
        return;
      }
      stopped = true;
      job = active.name;
      reached.countDown();
      try {
        new CountDownLatch(1).await(); // until the operator is closed (its threads interrupted)
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("the operator was stopped at " + point);
    }

    /** Waits until the operator stands at the point; the name of the Job it was creating. */
    String awaitStopped() throws InterruptedException {
      assertThat(reached.await(90, TimeUnit.SECONDS)).as("the operator reached " + point)
          .isTrue();
      return job;
    }
  }

  @Test
  void stoppedAfterTheStatusWriteBeforeTheJobTheNextOperatorCreatesItOnce(TestDatabase db)
      throws Exception {
    harness.createSecret(db);
    VectisProject.alembic(db, "upgrade", "head");
    StopAt stop = new StopAt(Checkpoints.Point.STATUS_WRITTEN_BEFORE_JOB, "migrate");
    var first = harness.start("operator-1",
        OperatorRunner.Settings.defaults().withCheckpoints(stop));
    harness.create("vectis-backend", "head", NEXT_IMAGE);

    String job = stop.awaitStopped();
    SchemaMigration stoppedThere = harness.get("vectis-backend");
    assertThat(stoppedThere.getStatus().activeJob.name).as("the status names the Job")
        .isEqualTo(job);
    assertThat(stoppedThere.getStatus().activeJob.created).as("not created").isNotEqualTo(true);
    assertThat(harness.migrateJobs()).as("no Job yet").isEmpty();
    first.close();
    assertThat(harness.migrateJobs()).as("the stopped operator created nothing").isEmpty();

    harness.start("operator-2", OperatorRunner.Settings.defaults());
    harness.awaitReadyAt("vectis-backend", NEXT);

    assertThat(harness.kubelet.runs("migrate")).as("run once").hasSize(1);
    assertThat(harness.migrateJobCreations()).as("created once, by the new operator")
        .singleElement().satisfies(write -> {
          assertThat(write.userAgent()).isEqualTo("operator-2");
          assertThat(write.code()).isEqualTo(201);
        });
    assertThat(harness.migrateJobs()).singleElement()
        .satisfies(created -> assertThat(created.getMetadata().getName())
            .as("the same decision, the same name").isEqualTo(job));
    SchemaMigration ready = harness.get("vectis-backend");
    assertThat(ready.getStatus().lastMigration.job).isEqualTo(job);
    assertThat(ready.getStatus().activeJob).isNull();
    assertThat(versionRows(db)).containsExactly(NEXT);
  }

  @Test
  void stoppedAfterTheJobIsCreatedTheNextOperatorAdoptsIt(TestDatabase db) throws Exception {
    harness.createSecret(db);
    VectisProject.alembic(db, "upgrade", "head");
    harness.kubelet.holdPodsOf("migrate");
    StopAt stop = new StopAt(Checkpoints.Point.JOB_CREATED, "migrate");
    var first = harness.start("operator-1",
        OperatorRunner.Settings.defaults().withCheckpoints(stop));
    harness.create("vectis-backend", "head", NEXT_IMAGE);

    String job = stop.awaitStopped();
    assertThat(harness.migrateJobs()).as("the Job exists").singleElement()
        .satisfies(created -> assertThat(created.getMetadata().getName()).isEqualTo(job));
    assertThat(harness.get("vectis-backend").getStatus().activeJob.created)
        .as("the status does not say so yet").isNotEqualTo(true);
    first.close();

    harness.start("operator-2", OperatorRunner.Settings.defaults());
    // The Job is still running (its pod is held): the new operator records it as its own.
    await().atMost(Duration.ofSeconds(90)).until(() -> Boolean.TRUE.equals(
        harness.get("vectis-backend").getStatus().activeJob.created));
    assertThat(harness.get("vectis-backend").getStatus().activeJob.name).isEqualTo(job);
    assertThat(harness.kubelet.runs("migrate")).as("still in flight").isEmpty();
    harness.kubelet.release("migrate");

    harness.awaitReadyAt("vectis-backend", NEXT);
    assertThat(harness.kubelet.runs("migrate")).as("run once").hasSize(1);
    assertThat(harness.migrateJobCreations()).as("created once, by the stopped operator")
        .singleElement().extracting(TestApiServer.Write::userAgent).isEqualTo("operator-1");
    assertThat(harness.migrateJobs()).hasSize(1);
    SchemaMigration ready = harness.get("vectis-backend");
    assertThat(ready.getStatus().lastMigration.job).isEqualTo(job);
    assertThat(ready.getStatus().activeJob).isNull();
    assertThat(versionRows(db)).containsExactly(NEXT);
  }

  /**
   * A migration finishes while no operator runs, and the TTL controller removes its Job and
   * pod before the next operator starts: that operator cannot read the Job's result, judges it
   * from the database (the migration reached its rows) and does not run it again.
   */
  @Test
  void aFinishedJobRemovedByItsTtlIsNotRunAgain(TestDatabase db) throws Exception {
    harness.createSecret(db);
    VectisProject.alembic(db, "upgrade", "head");
    harness.kubelet.holdPodsOf("migrate");
    var first = harness.start("operator-1", OperatorRunner.Settings.defaults());
    harness.create("vectis-backend", "head", NEXT_IMAGE);
    harness.awaitMigrateJob("vectis-backend", true);
    String job = harness.get("vectis-backend").getStatus().activeJob.name;
    first.close();

    harness.kubelet.release("migrate");
    harness.kubelet.ttlSpeedUp(86_400 / 2.0); // the Jobs' one-day TTL passes in 2 s
    await().atMost(Duration.ofSeconds(60)).until(() -> harness.kubelet.ttlRemoved()
        .contains(job));
    harness.kubelet.ttlSpeedUp(1); // the next operator's Jobs keep their day
    assertThat(harness.kubelet.runs("migrate")).singleElement()
        .satisfies(run -> assertThat(run.exitCode()).isZero());
    assertThat(harness.migrateJobs()).isEmpty();
    assertThat(harness.client.pods().inNamespace(NAMESPACE).withLabel("job-name", job).list()
        .getItems()).as("its pod went with it").isEmpty();

    harness.start("operator-2", OperatorRunner.Settings.defaults());
    harness.awaitReadyAt("vectis-backend", NEXT);
    assertThat(harness.kubelet.runs("migrate")).as("not run a second time").hasSize(1);
    assertThat(harness.migrateJobCreations()).singleElement()
        .extracting(TestApiServer.Write::userAgent).isEqualTo("operator-1");
    assertThat(versionRows(db)).containsExactly(NEXT);
  }
}
