package dev.vectis.migrations.reconciler;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.api.RehearsalSpec;
import dev.vectis.migrations.api.RuleSeverity;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SecretRef;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.TestDatabase;
import dev.vectis.migrations.testing.VectisProject;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 in the operator, end to end: the policy stops a revision that breaks a deny rule
 * before any Job touches the database, and spec.rehearsal rehearses the plan on a scratch
 * database (a schema-only copy of production) before production. Real Alembic, real
 * PostgreSQL, real pg_dump and psql, through the kubelet stand-in.
 */
@Tag("slow")
@ExtendWith(PostgresExtension.class)
class GuardrailsEndToEndTest {
  static final String NAMESPACE = ResourceSteps.NAMESPACE;
  /** A revision after head adding orders.channel_code NOT NULL without a server default. */
  static final String NOT_NULL_IMAGE = "registry.example.com/vectis/backend:not-null";
  static final String NOT_NULL = "d1d1d1d1d1d1";
  /** A revision after head whose downgrade() drops a table that is not there (a typo). */
  static final String BAD_DOWNGRADE_IMAGE = "registry.example.com/vectis/backend:bad-downgrade";
  static final String BAD_DOWNGRADE = "d2d2d2d2d2d2";
  /** A revision after head that goes both ways. */
  static final String GOOD_IMAGE = "registry.example.com/vectis/backend:good";
  static final String GOOD = "d3d3d3d3d3d3";

  TestApiServer api;
  KubernetesClient client;
  ResourceSteps steps;
  KubeletStandIn kubelet;
  OperatorRunner operator;
  KubernetesClient operatorClient;
  @TempDir Path volume;
  @TempDir Path images;

  private static String revision(String id, String message, String upgrade, String downgrade) {
    return "\"\"\"" + message + "\"\"\"\nimport sqlalchemy as sa\nfrom alembic import op\n\n"
        + "revision = \"" + id + "\"\ndown_revision = \"" + HEAD + "\"\nbranch_labels = None\n"
        + "depends_on = None\n\n\ndef upgrade():\n    " + upgrade + "\n\n\ndef downgrade():\n    "
        + downgrade + "\n";
  }

  @BeforeEach
  void start() throws IOException {
    api = TestApiServer.start();
    client = api.client();
    steps = new ResourceSteps(client);
    String versions = VectisProject.VERSIONS;
    Map<String, Path> imageFiles = Map.of(
        NOT_NULL_IMAGE, VectisProject.copy(images.resolve("not-null"), List.of(), Map.of(
            versions + NOT_NULL + "_channel_code.py", revision(NOT_NULL, "orders_channel_code",
                "op.add_column(\"orders\", sa.Column(\"channel_code\", sa.String(16), "
                    + "nullable=False))", "op.drop_column(\"orders\", \"channel_code\")"))),
        BAD_DOWNGRADE_IMAGE, VectisProject.copy(images.resolve("bad-downgrade"), List.of(),
            Map.of(versions + BAD_DOWNGRADE + "_gift_cards.py", revision(BAD_DOWNGRADE,
                "gift_cards", "op.create_table(\"gift_cards\", sa.Column(\"id\", "
                    + "sa.BigInteger(), primary_key=True))", "op.drop_table(\"gift_card\")"))),
        GOOD_IMAGE, VectisProject.copy(images.resolve("good"), List.of(), Map.of(
            versions + GOOD + "_gift_cards.py", revision(GOOD, "gift_cards",
                "op.create_table(\"gift_cards\", sa.Column(\"id\", sa.BigInteger(), "
                    + "primary_key=True))", "op.drop_table(\"gift_cards\")"))),
        OperatorEndToEndTest.IMAGE, ProjectPaths.vectisProject());
    kubelet = new KubeletStandIn(client, api.server(), imageFiles, volume).start();
    operatorClient = api.newClient("operator");
    operator = OperatorRunner.start(operatorClient, OperatorRunner.Settings.defaults());
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

  private void scratchSecret(TestDatabase scratch) {
    scratchSecret("localhost", scratch);
  }

  /** The scratch Secret, naming {@code scratch}'s database by {@code host}. */
  private void scratchSecret(String host, TestDatabase scratch) {
    client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder()
        .withNewMetadata().withName("vectis-db-scratch").withNamespace(NAMESPACE).endMetadata()
        .addToData("host", base64(host))
        .addToData("port", base64(Integer.toString(scratch.port())))
        .addToData("dbname", base64(scratch.name()))
        .addToData("user", base64(scratch.user()))
        .addToData("password", base64("scratch-pw"))
        .build()).create();
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  /** A resource that asks for a rehearsal from its first generation. */
  private SchemaMigration createRehearsed(String image) {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName("vectis-backend").withNamespace(NAMESPACE).build());
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    spec.image = image;
    spec.alembic.workingDir = "/app/vectis/backend";
    spec.database = new dev.vectis.migrations.api.DatabaseSpec();
    spec.database.secretRef = new SecretRef();
    spec.database.secretRef.name = "vectis-db-app";
    spec.seed.command = List.of("python3", "-m", "vectis.core.seed");
    spec.seed.workingDir = "/app";
    spec.rehearsal = new RehearsalSpec();
    spec.rehearsal.databaseSecretRef = new SecretRef();
    spec.rehearsal.databaseSecretRef.name = "vectis-db-scratch";
    resource.setSpec(spec);
    return client.resources(SchemaMigration.class).inNamespace(NAMESPACE).resource(resource)
        .create();
  }

  private static List<String> columns(TestDatabase db, String table) throws SQLException {
    return db.column("SELECT column_name FROM information_schema.columns WHERE table_schema = "
        + "'public' AND table_name = '" + table + "' ORDER BY column_name");
  }

  @Test
  void aDenyFindingStopsBeforeAnyJobThenWarnMigrates(TestDatabase db) throws SQLException {
    steps.createSecret(db);
    VectisProject.alembic(db, "upgrade", "head");
    List<String> ordersBefore = columns(db, "orders");
    steps.create("vectis-backend", "head", NOT_NULL_IMAGE);
    steps.awaitCondition("vectis-backend", "Stalled", "PolicyViolation");

    Condition stalled = steps.condition("vectis-backend", "Stalled");
    assertThat(stalled.getMessage()).startsWith("rule not-null-without-default in revision "
        + NOT_NULL + " at alembic/versions/" + NOT_NULL + "_channel_code.py:12: column "
        + "orders.channel_code is added NOT NULL without a server_default");
    SchemaMigration blocked = steps.get("vectis-backend");
    assertThat(blocked.getStatus().policy.findings).singleElement().satisfies(f -> {
      assertThat(f.rule).isEqualTo("not-null-without-default");
      assertThat(f.severity).isEqualTo("deny");
      assertThat(f.line).isEqualTo(12);
    });
    assertThat(blocked.getStatus().phase).isEqualTo(dev.vectis.migrations.api.Phase.Blocked);
    assertThat(kubelet.runs()).extracting(KubeletStandIn.Run::action)
        .as("no Job besides the inspection").containsExactly("inspect");
    assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems())
        .extracting(job -> job.getMetadata().getLabels().get("migrations.vectis.dev/action"))
        .containsExactly("inspect");
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(columns(db, "orders")).isEqualTo(ordersBefore).doesNotContain("channel_code");
    await().atMost(Duration.ofSeconds(10)).until(() -> events().stream()
        .anyMatch(e -> e.getReason().equals("PolicyFindings") && e.getType().equals("Warning")));

    steps.editSpec("vectis-backend", spec -> spec.policy.rules.put("not-null-without-default",
        RuleSeverity.warn));
    steps.awaitReadyAt("vectis-backend", NOT_NULL);
    assertThat(versionRows(db)).containsExactly(NOT_NULL);
    assertThat(columns(db, "orders")).contains("channel_code");
    assertThat(steps.get("vectis-backend").getStatus().policy).as("nothing pending").isNull();
    assertThat(events().stream().filter(e -> e.getReason().equals("PolicyFindings")))
        .as("one Event per distinct set of findings: deny, then warn").hasSize(2);
  }

  private List<Event> events() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems();
  }

  @Test
  void aRehearsalWhoseDowngradeFailsStallsAndLeavesProductionAlone(TestDatabase db,
      TestDatabase scratch) throws SQLException {
    steps.createSecret(db);
    scratchSecret(scratch);
    VectisProject.alembic(db, "upgrade", "head");
    db.execute("INSERT INTO roles (name) VALUES ('production-only')");
    List<String> tablesBefore = db.column("SELECT table_name FROM information_schema.tables "
        + "WHERE table_schema = 'public' ORDER BY table_name");
    scratch.execute("CREATE TABLE leftover (n integer)");
    createRehearsed(BAD_DOWNGRADE_IMAGE);
    steps.awaitCondition("vectis-backend", "Stalled", "RehearsalFailed");

    String message = steps.condition("vectis-backend", "Stalled").getMessage();
    assertThat(message).contains("the rehearsal vectis-backend-rehearse-",
        "of alembic upgrade head from " + HEAD, "at step 2/3 (alembic downgrade " + HEAD + ")",
        "gift_card", "does not exist", "Production was not touched")
        .doesNotContain("scratch-pw", OperatorEndToEndTest.PASSWORD);
    assertThat(versionRows(db)).as("production untouched").containsExactly(HEAD);
    assertThat(db.column("SELECT table_name FROM information_schema.tables WHERE table_schema "
        + "= 'public' ORDER BY table_name")).isEqualTo(tablesBefore).doesNotContain("gift_cards");
    assertThat(kubelet.runs()).extracting(KubeletStandIn.Run::action)
        .containsExactly("inspect", "rehearse");
    // The scratch database was wiped, got production's schema (not its rows) and the upgrade.
    assertThat(scratch.tableExists("leftover")).isFalse();
    assertThat(scratch.tableExists("gift_cards")).isTrue();
    assertThat(scratch.count("SELECT count(*) FROM roles")).isZero();
    assertThat(steps.get("vectis-backend").getStatus().lastRehearsal).isNull();

    // Held for this generation: no second rehearsal, no migration.
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
        .until(() -> kubelet.runs().size() == 2);
    assertThat(Serialization.asYaml(client.batch().v1().jobs().inNamespace(NAMESPACE).list()))
        .doesNotContain("scratch-pw", OperatorEndToEndTest.PASSWORD);
  }

  /**
   * A scratch Secret that names production by another host name (127.0.0.1 for localhost)
   * passes every comparison of names; the rehearsal's guard session proves it is the same
   * database, and nothing is wiped.
   */
  @Test
  void aScratchSecretThatIsProductionUnderAnotherNameWipesNothing(TestDatabase db)
      throws SQLException {
    steps.createSecret(db);
    scratchSecret("127.0.0.1", db);
    VectisProject.alembic(db, "upgrade", "head");
    db.execute("INSERT INTO roles (name) VALUES ('production-only')");
    createRehearsed(GOOD_IMAGE);
    steps.awaitCondition("vectis-backend", "Stalled", "RehearsalFailed");

    assertThat(steps.condition("vectis-backend", "Stalled").getMessage())
        .contains("production's database under another name; nothing was done");
    assertThat(db.count("SELECT count(*) FROM roles WHERE name = 'production-only'"))
        .isEqualTo(1);
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(kubelet.runs()).extracting(KubeletStandIn.Run::action)
        .containsExactly("inspect", "rehearse");
  }

  @Test
  void aGoodRehearsalLetsProductionMigrateOnce(TestDatabase db, TestDatabase scratch)
      throws SQLException {
    steps.createSecret(db);
    scratchSecret(scratch);
    VectisProject.alembic(db, "upgrade", "head");
    createRehearsed(GOOD_IMAGE);
    steps.awaitReadyAt("vectis-backend", GOOD);

    assertThat(versionRows(db)).containsExactly(GOOD);
    assertThat(db.tableExists("gift_cards")).isTrue();
    assertThat(kubelet.runs()).extracting(KubeletStandIn.Run::action)
        .containsExactly("inspect", "rehearse", "migrate", "seed");
    assertThat(kubelet.runs("rehearse").get(0).output()).contains(
        "rehearsal: step 1/3: alembic upgrade head",
        "rehearsal: step 2/3: alembic downgrade " + HEAD,
        "rehearsal: step 3/3: alembic upgrade head", "rehearsal: succeeded");
    assertThat(scratch.column("SELECT version_num FROM alembic_version"))
        .containsExactly(GOOD);
    SchemaMigration ready = steps.get("vectis-backend");
    assertThat(ready.getStatus().lastRehearsal.from).isEqualTo(HEAD);
    assertThat(ready.getStatus().lastRehearsal.to).isEqualTo(GOOD);
    assertThat(events()).extracting(Event::getReason).contains("Rehearsing", "Rehearsed");
  }

  @Test
  void aRehearsalInFlightIsAdoptedByARestartedOperator(TestDatabase db, TestDatabase scratch)
      throws SQLException {
    steps.createSecret(db);
    scratchSecret(scratch);
    VectisProject.alembic(db, "upgrade", "head");
    kubelet.holdPodsOf("rehearse");
    createRehearsed(GOOD_IMAGE);
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      SchemaMigration resource = steps.get("vectis-backend");
      return resource.getStatus() != null && resource.getStatus().activeJob != null
          && "rehearse".equals(resource.getStatus().activeJob.action)
          && Boolean.TRUE.equals(resource.getStatus().activeJob.created);
    });
    String job = steps.get("vectis-backend").getStatus().activeJob.name;

    operator.close();
    operator = OperatorRunner.start(operatorClient, OperatorRunner.Settings.defaults());
    kubelet.release("rehearse");
    steps.awaitReadyAt("vectis-backend", GOOD);

    assertThat(kubelet.runs("rehearse")).as("one rehearsal, adopted").singleElement()
        .satisfies(run -> assertThat(run.job()).isEqualTo(job));
    assertThat(steps.get("vectis-backend").getStatus().lastRehearsal.job).isEqualTo(job);
    assertThat(kubelet.runs("migrate")).hasSize(1);
    assertThat(versionRows(db)).containsExactly(GOOD);
  }
}
