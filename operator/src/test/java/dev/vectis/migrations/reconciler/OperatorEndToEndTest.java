package dev.vectis.migrations.reconciler;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.revisionAfterHead;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.jobs.JobFactory;
import dev.vectis.migrations.jobs.LockedCommand;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.TestDatabase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator in-process against fabric8's mock API server (CRUD mode), with the kubelet
 * stand-in running every Job for real: Debian's Alembic on examples/vectis-backend, the real
 * PostgreSQL, the real pg_dump.
 */
@Tag("slow")
@ExtendWith(PostgresExtension.class)
class OperatorEndToEndTest {
  static final String IMAGE = "registry.example.com/vectis/backend:1.14.0";
  /** An older release: without multi_currency. */
  static final String OLD_IMAGE = "registry.example.com/vectis/backend:1.13.0";
  /** Two heads: the audit branch not merged yet. */
  static final String TWO_HEADS_IMAGE = "registry.example.com/vectis/backend:branches";
  /** A revision after head whose upgrade fails. */
  static final String BAD_IMAGE = "registry.example.com/vectis/backend:bad-sql";
  /** A revision after head that takes a few seconds. */
  static final String SLOW_IMAGE = "registry.example.com/vectis/backend:slow";
  /** A revision after head that takes a few seconds, then fails. */
  static final String SLOW_BAD_IMAGE = "registry.example.com/vectis/backend:slow-bad";
  /** A revision after head that writes 42 rows slowly; its downgrade drops them. */
  static final String RACE_IMAGE = "registry.example.com/vectis/backend:race";
  static final String RACE = "f3f3f3f3f3f3";
  static final String NAMESPACE = "shop";
  static final String PASSWORD = "Sup3r-s3cret-pw";

  /** fabric8's CRUD mock made faithful where it matters (size limit, generation, status). */
  TestApiServer api;
  KubernetesMockServer server;
  KubernetesClient client;
  private ResourceSteps steps;

  @TempDir Path volume;
  private KubeletStandIn kubelet;
  private OperatorRunner operator;

  @TempDir Path images;

  @BeforeEach
  void startOperatorAndKubelet() throws IOException {
    api = TestApiServer.start();
    server = api.server();
    client = api.client();
    steps = new ResourceSteps(client);
    String migrations = "vectis/backend/alembic/versions/";
    Map<String, Path> imageFiles = Map.of(
        IMAGE, ProjectPaths.vectisProject(),
        OLD_IMAGE, projectCopy("old", List.of("5731d674e022_multi_currency.py"), Map.of()),
        TWO_HEADS_IMAGE, projectCopy("branches", List.of("c9d8e7f6a5b4_merge_branches.py",
            "5731d674e022_multi_currency.py"), Map.of()),
        BAD_IMAGE, projectCopy("bad", List.of(), Map.of(migrations + "e1e1e1e1e1e1_bad.py",
            revisionAfterHead("e1e1e1e1e1e1", "rename_orders_badly",
                "ALTER TABLE no_such_table RENAME TO orders_v2"))),
        SLOW_IMAGE, projectCopy("slow", List.of(), Map.of(migrations + "f2f2f2f2f2f2_slow.py",
            revisionAfterHead("f2f2f2f2f2f2", "backfill_slowly", "SELECT pg_sleep(4)"))),
        SLOW_BAD_IMAGE, projectCopy("slow-bad", List.of(), Map.of(migrations
            + "f4f4f4f4f4f4_slow_bad.py", revisionAfterHead("f4f4f4f4f4f4", "fail_slowly",
                "SELECT pg_sleep(6); SELECT * FROM no_such_table"))),
        RACE_IMAGE, projectCopy("race", List.of(), Map.of(migrations + RACE + "_race.py",
            "from alembic import op\n\nrevision = \"" + RACE + "\"\ndown_revision = \"" + HEAD
            + "\"\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    op.execute("
            + "\"CREATE TABLE race_rows AS SELECT generate_series(1, 42) AS n\")\n    op.execute("
            + "\"SELECT pg_sleep(12)\")\n\n\ndef downgrade():\n    op.execute(\"DROP TABLE "
            + "race_rows\")\n")));
    kubelet = new KubeletStandIn(client, server, imageFiles, volume).start();
    operator = startOperator();
  }

  /**
   * What the test and the kubelet stand-in write; every client in this JVM talks to the test
   * server the same way, so these are told apart by what they do. The operator never does them.
   */
  static final java.util.Set<String> HARNESS_CALLS = java.util.Set.of(
      "apiextensions.k8s.io/customresourcedefinitions:create", "/pods:create", "/pods/status:update",
      "batch/jobs/status:update", "migrations.vectis.dev/schemamigrations:create",
      "migrations.vectis.dev/schemamigrations:update",
      "migrations.vectis.dev/schemamigrations:patch", "/secrets:create", "/secrets:update",
      "/secrets:patch");
  private KubernetesClient operatorClient;

  private OperatorRunner startOperator() {
    if (operatorClient == null) {
      operatorClient = api.newClient("operator"); // its writes journaled as the operator's
    }
    return OperatorRunner.start(operatorClient, OperatorRunner.Settings.defaults());
  }

  @AfterEach
  void stop() {
    try {
      operator.close();
      kubelet.assertNoFailures();
    } finally {
      kubelet.close();
      operatorClient.close();
      api.close();
    }
  }

  private Path projectCopy(String name, List<String> without, Map<String, String> extra)
      throws IOException {
    return dev.vectis.migrations.testing.VectisProject.copy(images.resolve(name), without, extra);
  }

  private void createSecret(TestDatabase db) {
    steps.createSecret(db);
  }

  private SchemaMigration create(String name, String target, String image) {
    return steps.create(name, target, image);
  }

  private SchemaMigration get(String name) {
    return steps.get(name);
  }

  private Condition condition(String name, String type) {
    return steps.condition(name, type);
  }

  private void awaitReadyAt(String name, String... rows) {
    steps.awaitReadyAt(name, rows);
  }

  private void awaitMigrateJob(String name, boolean created) {
    steps.awaitMigrateJob(name, created);
  }

  private static String base64(String value) {
    return java.util.Base64.getEncoder().encodeToString(
        value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private SchemaMigration create(String name, String target) {
    return create(name, target, IMAGE);
  }




  @Test
  void aFreshDatabaseIsInspectedMigratedSeededAndReady(TestDatabase db) throws SQLException {
    createSecret(db);
    create("vectis-backend", "head");
    steps.awaitCondition("vectis-backend", "Ready", null);

    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(db.count("SELECT count(*) FROM roles")).isEqualTo(3);
    assertThat(kubelet.runs()).extracting(KubeletStandIn.Run::action)
        .containsExactly("inspect", "migrate", "seed");
    SchemaMigration ready = get("vectis-backend");
    assertThat(ready.getStatus().currentRevision).isEqualTo(HEAD);
    assertThat(ready.getStatus().targetRevision).isEqualTo(HEAD);
    assertThat(ready.getStatus().appliedImage).isEqualTo(IMAGE);
    assertThat(ready.getStatus().lastMigration.direction).isEqualTo("upgrade");
    assertThat(ready.getStatus().lastSeed.revision).isEqualTo(HEAD);
    assertThat(ready.getStatus().activeJob).isNull();
    assertThat(ready.getStatus().conditions).allMatch(c ->
        c.getObservedGeneration().equals(ready.getMetadata().getGeneration()));

    List<String> reasons = client.v1().events().inNamespace(NAMESPACE).list().getItems()
        .stream().sorted(java.util.Comparator.comparing(Event::getLastTimestamp))
        .map(Event::getReason).toList();
    assertThat(reasons).containsSubsequence("Inspecting", "Migrating", "Seeding", "AtTarget");
  }

  @Test
  void aTargetBehindTheDatabaseIsRefusedWithoutAJob(TestDatabase db) throws SQLException {
    createSecret(db);
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    create("vectis-backend", "a3e2f1b8c9d4");
    steps.awaitCondition("vectis-backend", "Stalled", "DowngradeNotAllowed");

    assertThat(condition("vectis-backend", "Stalled").getMessage())
        .contains("would undo 5731d674e022 (multi_currency), c9d8e7f6a5b4 (merge_branches)");
    assertThat(condition("vectis-backend", "Ready").getStatus()).isEqualTo("False");
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(kubelet.runs()).extracting(KubeletStandIn.Run::action).containsExactly("inspect");
  }

  @Test
  void aMissingSecretWaitsAndProceedsOnceItExists(TestDatabase db) throws SQLException {
    create("vectis-backend", "head");
    steps.awaitCondition("vectis-backend", "Reconciling", "WaitingForDatabase");
    assertThat(condition("vectis-backend", "Reconciling").getMessage())
        .isEqualTo("Secret vectis-db-app not found in namespace shop");

    createSecret(db);
    steps.awaitCondition("vectis-backend", "Ready", null);
    assertThat(versionRows(db)).containsExactly(HEAD);
  }

  @Test
  void thePasswordAppearsNowhere(TestDatabase db) {
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger)
        org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    var log = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    log.start();
    root.addAppender(log);
    createSecret(db);
    create("vectis-backend", "head");
    steps.awaitCondition("vectis-backend", "Ready", null);
    root.detachAppender(log);
    assertThat(log.list).isNotEmpty().allSatisfy(event ->
        assertThat(event.getFormattedMessage()).doesNotContain(PASSWORD));

    assertThat(Serialization.asYaml(get("vectis-backend"))).doesNotContain(PASSWORD);
    assertThat(Serialization.asYaml(client.batch().v1().jobs().inNamespace(NAMESPACE).list()))
        .doesNotContain(PASSWORD).contains("secretKeyRef");
    assertThat(Serialization.asYaml(client.v1().events().inNamespace(NAMESPACE).list()))
        .doesNotContain(PASSWORD);
    assertThat(Serialization.asYaml(client.configMaps().inNamespace(NAMESPACE).list()))
        .doesNotContain(PASSWORD);
  }

  /** podTemplate.env cannot point the Jobs at another database: refused before any Job. */
  @Test
  void aSpecThatRedirectsTheDatabaseIsRefusedBeforeAnyJob(TestDatabase db, TestDatabase other)
      throws SQLException {
    createSecret(db);
    SchemaMigration resource = create("vectis-backend", "head");
    // Retried on a conflict with the operator's first status write (as kubectl edit would).
    steps.editSpec("vectis-backend", spec -> {
      spec.podTemplate = new dev.vectis.migrations.api.PodTemplate();
      spec.podTemplate.env = List.of(new io.fabric8.kubernetes.api.model.EnvVar(
          "DATABASE_URL", other.sqlAlchemyUrl(), null));
    });
    steps.awaitCondition("vectis-backend", "Stalled", "InvalidSpec");
    assertThat(condition("vectis-backend", "Stalled").getMessage())
        .contains("spec.podTemplate.env[0].name", "DATABASE_URL");
    assertThat(kubelet.runs("migrate")).isEmpty();
    assertThat(other.tableExists("alembic_version")).isFalse();
    assertThat(resource.getMetadata().getName()).isEqualTo("vectis-backend");
  }

  @Test
  void aPinnedRevisionThenHeadRunsOneMoreMigration(TestDatabase db) throws SQLException {
    createSecret(db);
    create("vectis-backend", "a3e2f1b8c9d4");
    awaitReadyAt("vectis-backend", "a3e2f1b8c9d4");
    assertThat(db.tableExists("audit_log")).isFalse();

    steps.editSpec("vectis-backend", spec -> spec.targetRevision = "head");
    awaitReadyAt("vectis-backend", HEAD);
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(kubelet.runs("migrate")).hasSize(2);
    assertThat(kubelet.runs("inspect")).as("the graph of the image is cached").hasSize(1);
    assertThat(kubelet.runs("seed")).as("after each upgrade").hasSize(2);
  }

  @Test
  void plusOneIsAppliedOnceAndNotAgainOnResync(TestDatabase db) throws SQLException {
    createSecret(db);
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "c9d8e7f6a5b4");
    create("vectis-backend", "+1");
    awaitReadyAt("vectis-backend", HEAD);
    assertThat(get("vectis-backend").getStatus().targetRevision).isEqualTo(HEAD);

    // A restarted operator reconciles every resource again: a resync of the same generation.
    String resourceVersion = get("vectis-backend").getMetadata().getResourceVersion();
    operator.close();
    operator = startOperator();
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
        .until(() -> kubelet.runs("migrate").size() == 1);
    assertThat(get("vectis-backend").getMetadata().getResourceVersion())
        .as("nothing changed, so nothing was written").isEqualTo(resourceVersion);
    assertThat(versionRows(db)).containsExactly(HEAD);
  }

  @Test
  void anAllowedDowngradeIsBackedUpFirstAndTheDumpRestores(TestDatabase db)
      throws SQLException {
    createSecret(db);
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    db.execute("INSERT INTO exchange_rates (base_currency, target_currency, rate, "
        + "effective_from) VALUES ('EUR', 'USD', 1.08, now())");
    SchemaMigration resource = create("vectis-backend", "a3e2f1b8c9d4");
    steps.editSpec("vectis-backend", spec -> spec.downgrade.allow = true);
    awaitReadyAt("vectis-backend", "a3e2f1b8c9d4", "b7c4e9a1d2f3");

    assertThat(kubelet.runs()).extracting(KubeletStandIn.Run::action)
        .containsSubsequence("backup", "migrate");
    var backup = get("vectis-backend").getStatus().lastBackup;
    assertThat(backup.location).startsWith("vectis-backend-backups:"
        + dev.vectis.migrations.database.DatabaseIdentity.of(db.settings()).key() + "/")
        .endsWith("-" + HEAD + ".dump");
    assertThat(backup.revision).isEqualTo(HEAD);
    assertThat(backup.sizeBytes).isPositive();
    assertThat(client.persistentVolumeClaims().inNamespace(NAMESPACE)
        .withName("vectis-backend-backups").get()).as("created, not owned by the CR")
        .satisfies(claim -> assertThat(claim.getMetadata().getOwnerReferences()).isEmpty());
    assertThat(db.tableExists("exchange_rates")).isFalse();

    Path dump = volume.resolve(backup.location.substring("vectis-backend-backups:".length()));
    var restored = dev.vectis.migrations.local.LocalRestore.restore(
        dev.vectis.migrations.testing.ExternalTools.pgDump().resolveSibling("pg_restore"),
        db.settings(), dump);
    assertThat(restored.exitCode()).as(restored.output()).isZero();
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(db.count("SELECT count(*) FROM exchange_rates")).isEqualTo(1);
    assertThat(resource.getMetadata().getUid()).isNotNull();
  }

  @Test
  void aGitOpsRollbackDowngradesWithTheImageThatMigrated(TestDatabase db) throws SQLException {
    createSecret(db);
    create("vectis-backend", "head");
    awaitReadyAt("vectis-backend", HEAD);

    steps.editSpec("vectis-backend", spec -> {
      spec.image = OLD_IMAGE;
      spec.downgrade.allow = true;
    });
    awaitReadyAt("vectis-backend", "c9d8e7f6a5b4");
    List<KubeletStandIn.Run> runs = kubelet.runs();
    assertThat(runs).extracting(KubeletStandIn.Run::action).containsSubsequence("inspect",
        "migrate", "seed", "inspect", "backup", "migrate");
    KubeletStandIn.Run rollback = runs.get(runs.size() - 1);
    assertThat(rollback.output()).contains("Running downgrade 5731d674e022 -> c9d8e7f6a5b4");
    var job = client.batch().v1().jobs().inNamespace(NAMESPACE).withName(rollback.job()).get();
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .as("the old image has no downgrade code for multi_currency").isEqualTo(IMAGE);
    assertThat(get("vectis-backend").getStatus().lastBackup.revision).isEqualTo(HEAD);
  }

  @Test
  void multipleHeadsStallAndHeadsWorks(TestDatabase db) throws SQLException {
    createSecret(db);
    create("vectis-backend", "head", TWO_HEADS_IMAGE);
    steps.awaitCondition("vectis-backend", "Stalled", "MultipleHeads");
    assertThat(condition("vectis-backend", "Stalled").getMessage())
        .contains("alembic merge heads -m \"merge_branches\"");
    assertThat(kubelet.runs("migrate")).isEmpty();

    steps.editSpec("vectis-backend", spec -> spec.targetRevision = "heads");
    awaitReadyAt("vectis-backend", "a3e2f1b8c9d4", "b7c4e9a1d2f3");
  }

  @Test
  void aFailingMigrationStallsWithoutRetryUntilTheRetryTokenChanges(TestDatabase db)
      throws SQLException {
    createSecret(db);
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    create("vectis-backend", "head", BAD_IMAGE);
    steps.awaitCondition("vectis-backend", "Stalled", "MigrationFailed");
    assertThat(condition("vectis-backend", "Stalled").getMessage())
        .contains("relation \"no_such_table\" does not exist");
    assertThat(versionRows(db)).containsExactly(HEAD);
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
        .until(() -> kubelet.runs("migrate").size() == 1);

    steps.editSpec("vectis-backend", spec -> spec.retryToken = "try-again");
    await().atMost(Duration.ofSeconds(30)).until(() -> kubelet.runs("migrate").size() == 2);
    steps.awaitCondition("vectis-backend", "Stalled", "MigrationFailed");
    assertThat(versionRows(db)).containsExactly(HEAD);
  }

  @Test
  void aStoppedDatabaseIsWaitedForAndTheWorkResumesWhenItIsBack(@TempDir Path data)
      throws Exception {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
        .setDataDirectory(data).setCleanDataDirectory(false).setPort(port);
    var postgres = builder.start();
    TestDatabase db = new TestDatabase("localhost", port, "postgres", "postgres", "postgres");
    createSecret(db);
    create("vectis-backend", "a3e2f1b8c9d4");
    awaitReadyAt("vectis-backend", "a3e2f1b8c9d4");

    postgres.close();
    steps.editSpec("vectis-backend", spec -> spec.targetRevision = "head");
    steps.awaitCondition("vectis-backend", "Reconciling", "WaitingForDatabase");
    assertThat(condition("vectis-backend", "Reconciling").getMessage())
        .startsWith("cannot reach PostgreSQL at localhost:" + port);

    try (var restarted = builder.start()) {
      awaitReadyAt("vectis-backend", HEAD);
      assertThat(versionRows(db)).containsExactly(HEAD);
    }
  }

  // The restart-adoption scenarios (stopped at fixed points, not by timing) are in
  // RestartAdoptionEndToEndTest; two replicas and a killed leader in LeaderElectionEndToEndTest.

  /**
   * A migration Job that ran and failed while the operator was down, then was removed (its
   * TTL, a person): the restarted operator cannot read its result, and must not run it again
   * on its own (a migration run twice). The database tells it nothing moved: JobLost.
   */
  @Test
  void aVanishedJobIsNeverRunAgainWithoutRetryToken(TestDatabase db) throws Exception {
    createSecret(db);
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    create("vectis-backend", "head", SLOW_BAD_IMAGE);
    awaitMigrateJob("vectis-backend", true);
    operator.close();
    await().atMost(Duration.ofSeconds(30)).until(() -> kubelet.runs("migrate").size() == 1);
    client.batch().v1().jobs().inNamespace(NAMESPACE).withLabel(JobFactory.ACTION_LABEL,
        "migrate").delete();
    operator = startOperator();

    steps.awaitCondition("vectis-backend", "Stalled", "JobLost");
    assertThat(condition("vectis-backend", "Stalled").getMessage())
        .contains("its Job was removed", "spec.retryToken", "at " + HEAD);
    Thread.sleep(3000);
    assertThat(kubelet.runs("migrate")).as("not run a second time").hasSize(1);
    assertThat(versionRows(db)).containsExactly(HEAD);

    steps.editSpec("vectis-backend", spec -> spec.retryToken = "after-checking");
    await().atMost(Duration.ofSeconds(60)).until(() -> kubelet.runs("migrate").size() == 2);
  }

  /**
   * Issue 10's race: B backs up at head while A's upgrade holds the lock, then B's downgrade
   * waits for the lock. When it gets it, the database has moved: B's Job runs nothing, and B
   * plans again, backs up what A wrote, and only then downgrades. A, which saw the database
   * at its target, is corrected at its next observation.
   */
  @Test
  void aDowngradeRacingAnUpgradeNeverUndoesWhatItDidNotBackUp(TestDatabase db)
      throws Exception {
    createSecret(db);
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    create("upgrader", "head", RACE_IMAGE);
    await().atMost(Duration.ofSeconds(60)).until(() -> db.activeStatements("pg_sleep(12)") == 1);
    SchemaMigration downgrader = create("downgrader", "a3e2f1b8c9d4", RACE_IMAGE);
    steps.editSpec("downgrader", spec -> spec.downgrade.allow = true);

    awaitReadyAt("downgrader", "a3e2f1b8c9d4", "b7c4e9a1d2f3");
    assertThat(versionRows(db)).containsExactlyInAnyOrder("a3e2f1b8c9d4", "b7c4e9a1d2f3");
    List<KubeletStandIn.Run> downgraderRuns = kubelet.runs().stream()
        .filter(run -> run.job().startsWith("downgrader-")).toList();
    assertThat(downgraderRuns).extracting(KubeletStandIn.Run::action)
        .containsSubsequence("backup", "migrate", "backup", "migrate");
    KubeletStandIn.Run moved = downgraderRuns.stream().filter(run -> run.action().equals(
        "migrate")).findFirst().orElseThrow();
    assertThat(moved.exitCode()).isEqualTo(LockedCommand.DATABASE_MOVED_EXIT);
    assertThat(moved.output()).contains("database moved: planned from " + HEAD + ", found "
        + RACE).doesNotContain("Running downgrade");
    var backup = get("downgrader").getStatus().lastBackup;
    assertThat(backup.revision).as("backed up what it undid").isEqualTo(RACE);
    Path dump = java.nio.file.Files.walk(volume).filter(f -> f.getFileName().toString()
        .endsWith("-" + RACE + ".dump")).findFirst().orElseThrow();
    assertThat(dev.vectis.migrations.local.ProcessRunner.run(volume, Map.of(),
        Duration.ofMinutes(1), List.of(dev.vectis.migrations.testing.ExternalTools.pgDump()
            .resolveSibling("pg_restore").toString(), "--list", dump.toString())).output())
        .contains("TABLE DATA public race_rows");
    assertThat(downgrader.getMetadata().getName()).isEqualTo("downgrader");

    // The upgrader said Ready at RACE; the database has left it. Its next look corrects it.
    client.resources(SchemaMigration.class).inNamespace(NAMESPACE).withName("downgrader")
        .delete();
    operator.close();
    operator = startOperator();
    await().atMost(Duration.ofSeconds(60)).until(() -> events("upgrader").stream()
        .anyMatch(event -> event.contains("upgrading a3e2f1b8c9d4, b7c4e9a1d2f3 to " + RACE)));
    awaitReadyAt("upgrader", RACE);
  }

  /** Waits until the status names a migrate Job (recorded as created, if asked). */

  private List<String> events(String name) {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .filter(event -> name.equals(event.getInvolvedObject().getName()))
        .map(Event::getMessage).toList();
  }

  @Test
  void twoSchemaMigrationsOnOneDatabaseBothEndReady(TestDatabase db) throws SQLException {
    createSecret(db);
    create("vectis-backend", "head");
    create("vectis-backend-2", "head");
    awaitReadyAt("vectis-backend", HEAD);
    awaitReadyAt("vectis-backend-2", HEAD);
    assertThat(versionRows(db)).containsExactly(HEAD);
    // Every migration went through the database's lock; one upgraded, and one that was
    // planned from base and waited for the lock ran nothing (the database had moved).
    assertThat(kubelet.runs("migrate")).isNotEmpty().allSatisfy(run -> {
      assertThat(run.output()).contains("migration lock: acquired");
      if (run.exitCode() != 0) {
        assertThat(run.exitCode()).isEqualTo(LockedCommand.DATABASE_MOVED_EXIT);
        assertThat(run.output()).contains("nothing was run").doesNotContain("Running upgrade");
      }
    });
    assertThat(kubelet.runs("migrate")).filteredOn(run -> run.output().contains(
        "Running upgrade  -> 0f5e1c2d3a4b")).hasSize(1);
  }

  @Test
  void theOperatorStaysWithinItsClusterRole(TestDatabase db) throws Exception {
    createSecret(db);
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    create("vectis-backend", "a3e2f1b8c9d4");
    steps.editSpec("vectis-backend", spec -> spec.downgrade.allow = true);
    awaitReadyAt("vectis-backend", "a3e2f1b8c9d4", "b7c4e9a1d2f3");

    RbacRules rules = RbacRules.load(ProjectPaths.root().resolve("deploy/rbac.yaml"));
    java.util.Set<String> used = new java.util.TreeSet<>();
    java.util.Set<String> denied = new java.util.TreeSet<>();
    io.fabric8.mockwebserver.http.RecordedRequest request;
    while ((request = server.takeRequest(50, java.util.concurrent.TimeUnit.MILLISECONDS))
        != null) {
      RbacRules.Access access = RbacRules.Access.of(request.getMethod(), request.getPath());
      if (HARNESS_CALLS.contains(access.toString())) {
        continue;
      }
      used.add(access.toString());
      if (!rules.allows(access)) {
        denied.add(access + "  (" + request.getMethod() + " " + request.getPath() + ")");
      }
    }
    System.out.println("API calls of the operator (and the harness's reads): " + used);
    assertThat(used).as("the run exercised the operator").contains(
        "batch/jobs:create", "/secrets:list", "/secrets:watch", "/configmaps:create",
        "/persistentvolumeclaims:create", "/pods/log:get",
        "migrations.vectis.dev/schemamigrations/status:update", "/events:create");
    assertThat(denied).as("calls deploy/rbac.yaml does not allow").isEmpty();
  }

  @Test
  void healthAndReadinessAreServed() throws Exception {
    operator.serveHealth(0);
    var http = java.net.http.HttpClient.newHttpClient();
    for (String path : List.of("/healthz", "/readyz")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> http.send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:"
              + operator.healthPort() + path)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    }
  }

  @Test
  void aPodThatNeverRanIsATransientFaultAndTheJobIsCreatedAgain(TestDatabase db)
      throws SQLException {
    createSecret(db);
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    kubelet.evictNextPodOf(SLOW_IMAGE);
    create("vectis-backend", "head", SLOW_IMAGE);
    await().atMost(Duration.ofSeconds(30)).until(() -> client.v1().events()
        .inNamespace(NAMESPACE).list().getItems().stream()
        .anyMatch(event -> "JobNotStarted".equals(event.getReason())));
    awaitReadyAt("vectis-backend", "f2f2f2f2f2f2");
    assertThat(kubelet.runs()).extracting(KubeletStandIn.Run::action)
        .containsExactly("evicted", "inspect", "migrate", "seed");
    assertThat(get("vectis-backend").getStatus().conditions)
        .noneMatch(c -> "Stalled".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  @Test
  void metricsAreScrapedAfterAMigration(TestDatabase db) throws Exception {
    operator.serveHealth(0);
    createSecret(db);
    create("vectis-backend", "head");
    awaitReadyAt("vectis-backend", HEAD);
    var http = java.net.http.HttpClient.newHttpClient();
    String metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
        "http://localhost:" + operator.healthPort() + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics)
        .contains("schemamigration_migrations_total{direction=\"upgrade\",result=\"succeeded\"} 1.0")
        .contains("schemamigration_migration_duration_seconds_count{direction=\"upgrade\","
            + "result=\"succeeded\"} 1")
        .contains("schemamigration_info{current=\"5731d674e022\",name=\"vectis-backend\","
            + "namespace=\"shop\",phase=\"Ready\",target=\"5731d674e022\"} 1\n")
        .contains("schemamigration_stalled 0.0")
        .containsPattern("(?m)^operator_sdk_\\w+");

    // Deleted: its series go (not at the next restart).
    client.resources(SchemaMigration.class).inNamespace(NAMESPACE).withName("vectis-backend")
        .delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> !http.send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:"
            + operator.healthPort() + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body()
        .contains("name=\"vectis-backend\""));
  }

  private static String statusPath(String name) {
    return "/apis/" + io.fabric8.kubernetes.api.model.HasMetadata.getApiVersion(
        SchemaMigration.class) + "/namespaces/" + NAMESPACE + "/schemamigrations/" + name
        + "/status";
  }

  /** How many requests of this method and path the test API server received so far. */
  private int requests(String method, String path) throws InterruptedException {
    int count = 0;
    io.fabric8.mockwebserver.http.RecordedRequest request;
    while ((request = server.takeRequest(50, java.util.concurrent.TimeUnit.MILLISECONDS))
        != null) {
      if (method.equals(request.getMethod()) && path.equals(request.getPath())) {
        count++;
      }
    }
    return count;
  }

  /** The Secret the resources read, created or replaced. */
  private void putSecret(String user, String password, String dbname, int port) {
    client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder()
        .withNewMetadata().withName("vectis-db-app").withNamespace(NAMESPACE).endMetadata()
        .addToData("host", base64("localhost"))
        .addToData("port", base64(Integer.toString(port)))
        .addToData("dbname", base64(dbname))
        .addToData("user", base64(user))
        .addToData("password", base64(password))
        .build()).createOr(existing -> existing.update());
  }

  /**
   * A wrong password needs a person: Stalled (so `kubectl wait` and Flux fail instead of
   * hanging), no Job, and the fixed Secret is acted on at once — long before the five-minute
   * re-check.
   */
  @Test
  void aWrongPasswordStallsAndTheFixedSecretRecoversAtOnce(TestDatabase db) throws Exception {
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    dev.vectis.migrations.testing.PostgresExtension.createPasswordRole("smig_reader",
        "the-right-one");
    db.execute("GRANT SELECT ON alembic_version TO smig_reader");
    putSecret("smig_reader", "a-wrong-one", db.name(), db.port());
    create("vectis-backend", "head");

    steps.awaitCondition("vectis-backend", "Stalled", "DatabaseAuthFailed");
    assertThat(condition("vectis-backend", "Stalled").getMessage())
        .contains("authentication failed for user \"smig_reader\"", "check the password")
        .doesNotContain("a-wrong-one");
    assertThat(condition("vectis-backend", "Ready").getStatus()).isEqualTo("False");
    assertThat(kubelet.runs()).isEmpty();

    putSecret("smig_reader", "the-right-one", db.name(), db.port());
    awaitReadyAt("vectis-backend", HEAD);
  }

  @Test
  void aMissingDatabaseStallsAndTheFixedSecretRecoversAtOnce(TestDatabase db) throws Exception {
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    putSecret(db.user(), PASSWORD, "no_such_database", db.port());
    create("vectis-backend", "head");

    steps.awaitCondition("vectis-backend", "Stalled", "DatabaseNotFound");
    assertThat(condition("vectis-backend", "Stalled").getMessage())
        .contains("database \"no_such_database\" does not exist");

    putSecret(db.user(), PASSWORD, db.name(), db.port());
    awaitReadyAt("vectis-backend", HEAD);
  }

  @Test
  void aUserWithoutGrantsStallsAndAnotherUserInTheSecretRecovers(TestDatabase db)
      throws Exception {
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    dev.vectis.migrations.testing.PostgresExtension.createPasswordRole("smig_nobody", "pw-1");
    putSecret("smig_nobody", "pw-1", db.name(), db.port());
    create("vectis-backend", "head");

    steps.awaitCondition("vectis-backend", "Stalled", "PermissionDenied");
    assertThat(condition("vectis-backend", "Stalled").getMessage())
        .contains("permission denied for user \"smig_nobody\"");

    putSecret(db.user(), PASSWORD, db.name(), db.port());
    awaitReadyAt("vectis-backend", HEAD);
  }

  @Test
  void aVersionTableThatIsNotAlembicsStallsUntilAPersonMovesIt(TestDatabase db)
      throws Exception {
    db.execute("CREATE TABLE alembic_version (id integer)");
    createSecret(db);
    create("vectis-backend", "head");

    steps.awaitCondition("vectis-backend", "Stalled", "InvalidVersionTable");
    assertThat(condition("vectis-backend", "Stalled").getMessage())
        .contains("not Alembic's", "spec.alembic.versionTable");
    assertThat(kubelet.runs("migrate")).isEmpty();

    // A person moves the foreign table away; any spec change (here the retry token) makes
    // the operator look at once, else the five-minute re-check does.
    db.execute("ALTER TABLE alembic_version RENAME TO legacy_version");
    steps.editSpec("vectis-backend", spec -> spec.retryToken = "table-moved");
    awaitReadyAt("vectis-backend", HEAD);
    assertThat(versionRows(db)).containsExactly(HEAD);
  }

  /**
   * A database that accepts TCP and never answers: reported after the connect timeout, while
   * another resource on a healthy database goes on to Ready meanwhile.
   */
  @Test
  void aHungDatabaseDelaysNoOtherResource(TestDatabase db) throws Exception {
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
      List<java.net.Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(silent.accept());
          }
        } catch (IOException closed) {
          // the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder()
          .withNewMetadata().withName("silent-db").withNamespace(NAMESPACE).endMetadata()
          .addToData("host", base64("localhost"))
          .addToData("port", base64(Integer.toString(silent.getLocalPort())))
          .addToData("dbname", base64("app")).addToData("user", base64("app"))
          .addToData("password", base64(PASSWORD)).build()).create();
      SchemaMigration hung = new SchemaMigration();
      hung.setMetadata(new ObjectMetaBuilder().withName("hung").withNamespace(NAMESPACE)
          .build());
      hung.setSpec(Serialization.clone(create("vectis-backend", "head").getSpec()));
      hung.getSpec().database.secretRef.name = "silent-db";
      client.resources(SchemaMigration.class).inNamespace(NAMESPACE).resource(hung).create();
      createSecret(db);

      awaitReadyAt("vectis-backend", HEAD);
      await().atMost(Duration.ofSeconds(60)).until(() -> !accepted.isEmpty());
      steps.awaitCondition("hung", "Reconciling", "WaitingForDatabase");
      assertThat(condition("hung", "Reconciling").getMessage())
          .startsWith("cannot reach PostgreSQL at localhost:" + silent.getLocalPort());
      for (java.net.Socket socket : accepted) {
        socket.close();
      }
    }
  }

  /**
   * A status write that fails once: the reconcile is retried, and the Event of what it
   * decided is sent once, after the write that records it.
   */
  @Test
  void aRetriedReconcileSendsItsEventOnce(TestDatabase db) throws Exception {
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    createSecret(db);
    // 409: another writer came first (the client retries a 5xx itself, not a conflict).
    server.expect().put().withPath(statusPath("vectis-backend")).andReturn(409,
        "{\"kind\":\"Status\",\"code\":409,\"reason\":\"Conflict\"}").once();
    create("vectis-backend", "a3e2f1b8c9d4");

    steps.awaitCondition("vectis-backend", "Stalled", "DowngradeNotAllowed");
    Thread.sleep(2000);
    assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems())
        .filteredOn(event -> "DowngradeNotAllowed".equals(event.getReason())).hasSize(1);
    assertThat(requests("PATCH", statusPath("vectis-backend")))
        .as("the failed write reached the error status handler").isPositive();
  }

  /** Every status write fails: the operator's error reaches the status, masked. */
  @Test
  void anUnexpectedErrorReachesTheStatus(TestDatabase db) throws Exception {
    dev.vectis.migrations.testing.VectisProject.alembic(db, "upgrade", "head");
    createSecret(db);
    server.expect().put().withPath(statusPath("vectis-backend")).andReturn(403,
            "{\"kind\":\"Status\",\"code\":403,\"message\":\"forbidden by a webhook that "
            + "echoes postgresql://app:" + PASSWORD + "@db/app\"}").always();
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger)
        org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    var log = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    log.start();
    root.addAppender(log);
    create("vectis-backend", "head");

    steps.awaitCondition("vectis-backend", "Reconciling", "ReconcileError");
    root.detachAppender(log);
    assertThat(condition("vectis-backend", "Reconciling").getMessage())
        .startsWith("the operator failed: ").doesNotContain(PASSWORD);
    // JOSDK logs what escaped the reconcile, with its causes: masked as well.
    assertThat(log.list).isNotEmpty().allSatisfy(event -> {
      assertThat(event.getFormattedMessage()).doesNotContain(PASSWORD);
      for (var thrown = event.getThrowableProxy(); thrown != null; thrown = thrown.getCause()) {
        assertThat(String.valueOf(thrown.getMessage())).doesNotContain(PASSWORD);
      }
    });
  }
}
