package dev.vectis.migrations.reconciler;

import static dev.vectis.migrations.reconciler.EndToEndHarness.NEXT;
import static dev.vectis.migrations.reconciler.EndToEndHarness.NEXT_IMAGE;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import dev.vectis.migrations.testing.VectisProject;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas with leader election against the test API server. The leader is killed
 * mid-migration by cutting its connection to the API server (a graceful stop would not show
 * what a crash does; JOSDK 5.2.3 builds fabric8's LeaderElector with {@code releaseOnCancel}
 * false, so even a graceful stop leaves the Lease to expire, and with the default
 * {@code exitOnStopLeading} it calls {@code System.exit(1)} when leadership ends: these
 * instances run with it off, in one JVM). The other instance must take over after the Lease
 * expires, adopt the running Job, never create a second one, and finish the work.
 */
@Tag("slow")
@ExtendWith(PostgresExtension.class)
class LeaderElectionEndToEndTest {
  static final String LEASE_NAMESPACE = "schema-migration-system";
  /** Short timings: the Lease lasts 3 s, renewed every 0.5 s, given up after 2 s. */
  static final Duration LEASE = Duration.ofSeconds(3);
  static final Duration RENEW_DEADLINE = Duration.ofSeconds(2);
  static final Duration RETRY = Duration.ofMillis(500);

  @TempDir Path images;
  @TempDir Path volume;
  private EndToEndHarness harness;
  private SeverableProxy proxy;

  @BeforeEach
  void start() throws IOException {
    harness = new EndToEndHarness(images, volume);
    proxy = new SeverableProxy(harness.api.url());
  }

  @AfterEach
  void stop() {
    try {
      harness.close();
    } finally {
      proxy.close();
    }
  }

  /** Notes when an instance starts leading and when it first reconciles (reads its clock). */
  static final class Probe extends Clock {
    final AtomicLong leadingSince = new AtomicLong();
    volatile Instant leadingAt;
    final AtomicLong firstReconcile = new AtomicLong();

    @Override
    public Instant instant() {
      firstReconcile.compareAndSet(0, System.nanoTime());
      return Instant.now();
    }

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    LeaderCallbacks callbacks() {
      return new LeaderCallbacks(() -> {
        if (leadingSince.compareAndSet(0, System.nanoTime())) {
          leadingAt = Instant.now();
        }
      }, () -> { }, leader -> { });
    }
  }

  private static OperatorRunner.Settings replica(String identity, Probe probe) {
    return OperatorRunner.Settings.defaults()
        .withClock(probe)
        .withLeaderElection(new LeaderElectionConfiguration(OperatorRunner.LEASE_NAME,
            LEASE_NAMESPACE, LEASE, RENEW_DEADLINE, RETRY, identity, probe.callbacks(),
            false));
  }

  private String holder() {
    Lease lease = harness.client.leases().inNamespace(LEASE_NAMESPACE)
        .withName(OperatorRunner.LEASE_NAME).get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  @Test
  void theOtherReplicaTakesOverAKilledLeadersMigrationWithoutASecondJob(TestDatabase db)
      throws Exception {
    harness.createSecret(db);
    VectisProject.alembic(db, "upgrade", "head");
    harness.kubelet.holdPodsOf("migrate");

    Probe probeA = new Probe();
    Probe probeB = new Probe();
    harness.start("operator-a", harness.api.newClient("operator-a", proxy.url()),
        replica("operator-a", probeA));
    await().atMost(Duration.ofSeconds(60)).until(() -> "operator-a".equals(holder()));
    harness.start("operator-b", replica("operator-b", probeB));

    harness.create("vectis-backend", "head", NEXT_IMAGE);
    harness.awaitMigrateJob("vectis-backend", true);
    String job = harness.get("vectis-backend").getStatus().activeJob.name;
    assertThat(probeB.leadingSince.get()).as("B follows while A leads").isZero();
    assertThat(probeB.firstReconcile.get()).as("B has not reconciled").isZero();

    // Kill the leader mid-migration: its Job is running (held), and A can reach nothing more.
    long killed = System.nanoTime();
    proxy.sever();

    await().atMost(Duration.ofSeconds(90)).until(() -> probeB.firstReconcile.get() != 0);
    double leading = (probeB.leadingSince.get() - killed) / 1e9;
    double reconciling = (probeB.firstReconcile.get() - killed) / 1e9;
    String figures = String.format(java.util.Locale.ROOT, "FAILOVER: leader killed -> new "
        + "leader elected %.2f s, -> its first reconcile %.2f s (lease %s, renew deadline %s, "
        + "retry %s)", leading, reconciling, LEASE, RENEW_DEADLINE, RETRY);
    System.out.println(figures);
    java.nio.file.Files.writeString(Path.of("target", "failover.txt"), figures + "\n",
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    assertThat(holder()).isEqualTo("operator-b");
    assertThat(harness.kubelet.runs("migrate")).as("still in flight at the takeover").isEmpty();

    harness.kubelet.release("migrate");
    harness.awaitReadyAt("vectis-backend", NEXT);

    assertThat(harness.kubelet.runs("migrate")).as("one migrate run").hasSize(1);
    assertThat(harness.migrateJobCreations()).as("one migrate Job, created by the old leader")
        .singleElement().extracting(TestApiServer.Write::userAgent).isEqualTo("operator-a");
    assertThat(harness.migrateJobs()).singleElement()
        .satisfies(created -> assertThat(created.getMetadata().getName()).isEqualTo(job));
    assertThat(versionRows(db)).containsExactly(NEXT);
    assertThat(harness.get("vectis-backend").getStatus().lastMigration.job).isEqualTo(job);

    List<TestApiServer.Write> statusWrites = harness.api.writes().stream()
        .filter(write -> write.path().contains("/schemamigrations/vectis-backend/status")
            && write.code() < 300).toList();
    // A request the old leader had sent before it was cut off may still land; from the
    // takeover on, only the new leader writes.
    List<TestApiServer.Write> afterTakeover = statusWrites.stream()
        .filter(write -> !write.at().isBefore(probeB.leadingAt)).toList();
    assertThat(afterTakeover).as("the new leader recorded the migration and Ready")
        .isNotEmpty().allSatisfy(write ->
            assertThat(write.userAgent()).isEqualTo("operator-b"));
    assertThat(harness.api.writes()).as("nothing from the old leader after the takeover")
        .filteredOn(write -> !write.at().isBefore(probeB.leadingAt))
        .noneMatch(write -> "operator-a".equals(write.userAgent()));
    assertThat(afterTakeover).anySatisfy(write -> assertThat(write.body())
        .contains("\"lastMigration\"", "\"reason\":\"AtTarget\""));
    assertThat(statusWrites).filteredOn(write -> write.body().contains("\"reason\":\"AtTarget\""))
        .as("only the new leader said Ready").isNotEmpty()
        .allSatisfy(write -> assertThat(write.userAgent()).isEqualTo("operator-b"));
  }
}
