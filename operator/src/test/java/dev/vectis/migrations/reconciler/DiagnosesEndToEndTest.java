package dev.vectis.migrations.reconciler;

import static dev.vectis.migrations.reconciler.EndToEndHarness.IMAGE;
import static dev.vectis.migrations.reconciler.EndToEndHarness.NEXT;
import static dev.vectis.migrations.reconciler.EndToEndHarness.NEXT_IMAGE;
import static dev.vectis.migrations.reconciler.EndToEndHarness.OLD_IMAGE;
import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.MERGE;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import dev.vectis.migrations.testing.VectisProject;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each diagnosis of a version table the scripts cannot work from, end to end: the database is
 * put in the broken state with plain JDBC (or the real Alembic), the operator stalls with the
 * reason and the recovery in its message and runs nothing, then the recovery the message gives
 * is followed and the resource goes on.
 */
@Tag("slow")
@ExtendWith(PostgresExtension.class)
class DiagnosesEndToEndTest {
  private static final String NAME = "vectis-backend";

  @TempDir Path images;
  @TempDir Path volume;
  @TempDir Path work;
  private EndToEndHarness harness;

  @BeforeEach
  void start() throws IOException {
    harness = new EndToEndHarness(images, volume);
    harness.start("operator", OperatorRunner.Settings.defaults());
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  private String stalledMessage(String reason) {
    harness.awaitCondition(NAME, "Stalled", reason);
    return harness.condition(NAME, "Stalled").getMessage();
  }

  /** Any spec change makes the operator look at once (else its re-check does, in minutes). */
  private void poke(String token) {
    harness.editSpec(NAME, spec -> spec.retryToken = token);
  }

  @Test
  void aRollbackToAnOlderImageNamesTheAppliedImageAndTheAllowedDowngradeRunsWithIt(
      TestDatabase db) throws Exception {
    harness.createSecret(db);
    harness.create(NAME, "head", IMAGE);
    harness.awaitReadyAt(NAME, HEAD);

    harness.editSpec(NAME, spec -> spec.image = OLD_IMAGE);
    String message = stalledMessage("DowngradeNotAllowed");
    assertThat(message).isEqualTo("the database is at " + HEAD + ", which the scripts of "
        + OLD_IMAGE + " do not contain; " + IMAGE + " (status.appliedImage, which migrated it) "
        + "knows it. Set spec.image back to " + IMAGE + " to stay at " + HEAD + ", or allow the "
        + "downgrade (spec.downgrade.allow: true) and the operator will run it with " + IMAGE
        + "'s scripts, after a verified backup, undoing " + HEAD + " (multi_currency) to reach "
        + MERGE);
    assertThat(harness.kubelet.runs("migrate")).hasSize(1);

    harness.editSpec(NAME, spec -> spec.downgrade.allow = true);
    harness.awaitReadyAt(NAME, MERGE);
    var runs = harness.kubelet.runs("migrate");
    assertThat(runs).hasSize(2);
    assertThat(runs.get(1).output()).contains("Running downgrade " + HEAD + " -> " + MERGE);
    assertThat(harness.get(NAME).getStatus().lastBackup.revision).isEqualTo(HEAD);

    // The newer image's pods (not rolled back yet): its head is no longer in the database,
    // though the downgrade ran with its scripts (it stays status.appliedImage).
    assertThat(harness.get(NAME).getStatus().appliedImage).isEqualTo(IMAGE);
    dev.vectis.migrations.cli.ClusterFixture cli = new dev.vectis.migrations.cli.ClusterFixture(
        harness.api.client(), harness.api.url(), EndToEndHarness.NAMESPACE, work);
    var newer = cli.run("wait", NAME, "--image", IMAGE, "--timeout=3s",
        "--poll-interval=200ms");
    assertThat(newer.exitCode()).as(newer.stdout()).isEqualTo(3);
    assertThat(newer.stdout()).contains("ImageNotApplied: the database is at " + MERGE
        + ", without " + IMAGE + "'s head " + HEAD);
    assertThat(cli.run("wait", NAME, "--image", OLD_IMAGE, "--timeout=3s").exitCode())
        .isZero();
  }

  @Test
  void anAppliedImageWhoseDowngradeIsEmptyIsNamedWithoutOfferingTheDowngrade(TestDatabase db)
      throws Exception {
    harness.createSecret(db);
    VectisProject.alembic(db, "upgrade", "head");
    harness.create(NAME, "head", NEXT_IMAGE);
    harness.awaitReadyAt(NAME, NEXT);

    harness.editSpec(NAME, spec -> spec.image = IMAGE);
    String message = stalledMessage("DowngradeNotAllowed");
    assertThat(message).startsWith("the database is at " + NEXT + ", which the scripts of "
        + IMAGE + " do not contain; " + NEXT_IMAGE + " (status.appliedImage, which migrated it) "
        + "knows it. Set spec.image back to " + NEXT_IMAGE + " to stay at " + NEXT)
        // The test revision's downgrade() is empty: the downgrade is not offered.
        .contains("the downgrade() of " + NEXT + " (add_next_rows) is empty",
            "restore a backup");
    assertThat(harness.kubelet.runs("migrate")).hasSize(1);

    harness.editSpec(NAME, spec -> spec.image = NEXT_IMAGE);
    harness.awaitReadyAt(NAME, NEXT);
    assertThat(harness.kubelet.runs("migrate")).as("nothing ran").hasSize(1);
  }

  @Test
  void aRevisionOnlyAnEarlierImageKnowsIsFoundInTheGraphCache(TestDatabase db)
      throws Exception {
    harness.createSecret(db);
    VectisProject.alembic(db, "upgrade", "a3e2f1b8c9d4");
    // next is inspected (its graph cached) and used; then 1.14.0 migrates: the applied image.
    harness.create(NAME, "a3e2f1b8c9d4", NEXT_IMAGE);
    harness.awaitReadyAt(NAME, "a3e2f1b8c9d4");
    harness.editSpec(NAME, spec -> {
      spec.image = IMAGE;
      spec.targetRevision = "head";
    });
    harness.awaitReadyAt(NAME, HEAD);
    assertThat(harness.get(NAME).getStatus().appliedImage).isEqualTo(IMAGE);

    // Someone ran next's revision by hand (or restored a dump taken while it was deployed).
    db.execute("CREATE TABLE next_rows (n integer)");
    db.execute("UPDATE alembic_version SET version_num = '" + NEXT + "'");
    poke("moved-by-hand");
    String message = stalledMessage("UnknownRevision");
    assertThat(message).startsWith("the database is at " + NEXT + ", which the scripts of "
        + IMAGE + " do not contain; " + NEXT_IMAGE + " knows it (an image this resource used "
        + "before; its revision graph is cached). Set spec.image back to " + NEXT_IMAGE)
        .contains("status.appliedImage, the image that migrated the database last: " + IMAGE);
    int migrations = harness.kubelet.runs("migrate").size();

    harness.editSpec(NAME, spec -> spec.image = NEXT_IMAGE);
    harness.awaitReadyAt(NAME, NEXT);
    assertThat(harness.kubelet.runs("migrate")).as("nothing ran").hasSize(migrations);
  }

  @Test
  void rowsWhereOneIsAnAncestorOfTheOtherNameTheStampThatMendsThem(TestDatabase db)
      throws Exception {
    harness.createSecret(db);
    VectisProject.alembic(db, "upgrade", "head");
    db.execute("INSERT INTO alembic_version VALUES ('a3e2f1b8c9d4')");
    harness.create(NAME, "head", IMAGE);

    String message = stalledMessage("OverlappingVersionRows");
    assertThat(message).contains("a3e2f1b8c9d4 is an ancestor of " + HEAD,
        "run `alembic stamp --purge " + HEAD + "`", "the operator never stamps on its own");
    assertThat(harness.kubelet.runs("migrate")).isEmpty();
    assertThat(versionRows(db)).containsExactlyInAnyOrder(HEAD, "a3e2f1b8c9d4");

    VectisProject.alembic(db, "stamp", "--purge", HEAD);
    poke("stamped");
    harness.awaitReadyAt(NAME, HEAD);
    assertThat(harness.kubelet.runs("migrate")).isEmpty();
  }

  @Test
  void aSchemaWithoutItsVersionRowsStallsBeforeTheFirstMigration(TestDatabase db)
      throws Exception {
    harness.createSecret(db);
    VectisProject.alembic(db, "upgrade", "head");
    db.execute("DROP TABLE alembic_version");
    harness.create(NAME, "head", IMAGE);

    String message = stalledMessage("UnstampedSchema");
    assertThat(message).startsWith("the version table holds no rows (base), yet tables the "
        + "pending revisions create already exist: ")
        .contains("(0f5e1c2d3a4b initial_schema)", "exchange_rates (" + HEAD + " multi_currency)",
            "relation already exists", "record it with `alembic stamp " + HEAD + "`",
            "if the tables are leftovers, drop them");
    assertThat(harness.kubelet.runs("migrate")).as("it would fail half-way").isEmpty();

    VectisProject.alembic(db, "stamp", HEAD);
    poke("stamped");
    harness.awaitReadyAt(NAME, HEAD);
    assertThat(harness.kubelet.runs("migrate")).isEmpty();
  }

  @Test
  void aRevisionNoKnownImageContainsSaysSoAndHowToStamp(TestDatabase db) throws Exception {
    harness.createSecret(db);
    VectisProject.alembic(db, "upgrade", "head");
    db.execute("UPDATE alembic_version SET version_num = 'deadbeef0000'");
    harness.create(NAME, "head", IMAGE);

    String message = stalledMessage("RevisionInNoImage");
    assertThat(message).startsWith("the database is at deadbeef0000, which no image this "
        + "resource knows contains (spec.image " + IMAGE + ")")
        .contains("a hotfix applied by hand", "`alembic stamp --purge <that revision>`");
    assertThat(harness.kubelet.runs("migrate")).isEmpty();

    VectisProject.alembic(db, "stamp", "--purge", HEAD);
    poke("stamped");
    harness.awaitReadyAt(NAME, HEAD);
    assertThat(versionRows(db)).containsExactly(HEAD);
  }
}
