package dev.vectis.migrations.reconciler;

import static dev.vectis.migrations.reconciler.EndToEndHarness.IMAGE;
import static dev.vectis.migrations.reconciler.EndToEndHarness.NAMESPACE;
import static dev.vectis.migrations.reconciler.EndToEndHarness.NEXT;
import static dev.vectis.migrations.reconciler.EndToEndHarness.NEXT_IMAGE;
import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SecretRef;
import dev.vectis.migrations.cli.ClusterFixture;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wait}, as an application's init container runs it, against the real operator (one
 * harness, one database, one scenario to keep it short): it returns 0 only once the schema is
 * in the database, for the app's image too; it fails on Stalled; it times out on a resource
 * that never gets Ready.
 */
@Tag("slow")
@ExtendWith(PostgresExtension.class)
class WaitEndToEndTest {
  private static final String POLL = "--poll-interval=200ms";

  @TempDir Path images;
  @TempDir Path volume;
  @TempDir Path work;

  @Test
  void waitFollowsTheRealOperator(TestDatabase db) throws Exception {
    try (EndToEndHarness harness = new EndToEndHarness(images, volume)) {
      harness.createSecret(db);
      harness.start("operator", OperatorRunner.Settings.defaults());
      ClusterFixture cli = new ClusterFixture(harness.api.client(), harness.api.url(),
          NAMESPACE, work);

      // Classes loaded once, so that the next run's first read is at once.
      assertThat(cli.run("wait", "warm-up", "--timeout=0").exitCode()).isEqualTo(3);
      // Created after the pod started, as GitOps may do in one sync.
      CompletableFuture<ClusterFixture.Run> first = cli.start("wait", "vectis-backend",
          "--timeout=90s", POLL);
      Thread.sleep(2_000); // the first read happens before the resource exists
      harness.create("vectis-backend", "head", IMAGE);
      ClusterFixture.Run ready = first.get(120, TimeUnit.SECONDS);
      assertThat(ready.exitCode()).as(ready.stderr()).isZero();
      assertThat(versionRows(db)).as("the schema is there when wait returns")
          .containsExactly(HEAD);
      assertThat(waitLines(ready.stdout())).first().asString()
          .isEqualTo("wait: shop/vectis-backend: NotFound: not found (yet): waiting for it to "
              + "be created");
      assertThat(waitLines(ready.stdout())).last().asString()
          .startsWith("wait: shop/vectis-backend is Ready: Ready at " + HEAD);

      // The new release's pods wait for their image's migration, which GitOps starts after.
      CompletableFuture<ClusterFixture.Run> next = cli.start("wait", "shop/vectis-backend",
          "--image", NEXT_IMAGE, "--timeout=90s", POLL);
      Thread.sleep(2_000); // it reads the resource (and finds no graph of NEXT_IMAGE) first
      harness.editSpec("vectis-backend", spec -> spec.image = NEXT_IMAGE);
      ClusterFixture.Run nextReady = next.get(120, TimeUnit.SECONDS);
      assertThat(nextReady.exitCode()).as(nextReady.stderr()).isZero();
      assertThat(versionRows(db)).containsExactly(NEXT);
      assertThat(String.join("\n", waitLines(nextReady.stdout())))
          .contains("ImageGraphUnknown: the operator has no revision graph of " + NEXT_IMAGE);
      // An older image's pods (a rollback of the app alone): its head is below the rows.
      ClusterFixture.Run older = cli.run("wait", "vectis-backend", "--image", IMAGE,
          "--timeout=10s", POLL);
      assertThat(older.exitCode()).as(older.stderr()).isZero();
      assertThat(older.stdout()).contains("includes " + IMAGE + "'s heads " + HEAD);

      // A downgrade the spec does not allow: Stalled, one line, exit 1.
      harness.editSpec("vectis-backend", spec -> spec.targetRevision = "a3e2f1b8c9d4");
      ClusterFixture.Run stalled = cli.run("wait", "vectis-backend", "--timeout=90s", POLL);
      assertThat(stalled.exitCode()).isEqualTo(1);
      assertThat(waitLines(stalled.stderr())).singleElement().asString()
          .startsWith("wait: shop/vectis-backend is Stalled: DowngradeNotAllowed: ");

      // A resource that never gets Ready (its Secret does not exist): the timeout, with why.
      createWithoutSecret(harness, "never");
      harness.awaitCondition("never", "Reconciling", "WaitingForDatabase");
      ClusterFixture.Run timedOut = cli.run("wait", "never", "--timeout=2s", POLL);
      assertThat(timedOut.exitCode()).isEqualTo(3);
      assertThat(waitLines(timedOut.stderr())).singleElement().asString()
          .startsWith("wait: timed out after 2s waiting for shop/never (last: ")
          .contains("WaitingForDatabase");
      assertThat(versionRows(db)).containsExactly(NEXT);
    }
  }

  /** Only the command's own lines: the in-process operator logs to the same streams. */
  private static List<String> waitLines(String output) {
    return output.lines().filter(line -> line.startsWith("wait:")).toList();
  }

  private static void createWithoutSecret(EndToEndHarness harness, String name) {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE)
        .build());
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    spec.image = IMAGE;
    spec.alembic.workingDir = "/app/vectis/backend";
    spec.database = new DatabaseSpec();
    spec.database.secretRef = new SecretRef();
    spec.database.secretRef.name = "no-such-secret";
    resource.setSpec(spec);
    harness.client.resources(SchemaMigration.class).inNamespace(NAMESPACE).resource(resource)
        .create();
  }
}
