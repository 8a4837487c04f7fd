package dev.vectis.migrations.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.VectisProject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lint} on Alembic projects written for the test: the sample with a chain of revisions
 * after its head, one that breaks each rule and a clean twin, found with the line of the
 * operation (the real Alembic runs them offline), waivers, severities from spec and flags,
 * and SARIF checked against the 2.1.0 schema.
 */
class LintCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PYTHON = "/usr/bin/python3";
  private static final String VERSIONS = VectisProject.VERSIONS;

  @TempDir static Path temp;
  private static Path project;
  /** Revision id → the line marked {@code # <-} in its file, where its finding must point. */
  private static final Map<String, Integer> MARKED = new LinkedHashMap<>();
  private static final Map<String, String> FILES = new LinkedHashMap<>();

  @BeforeAll
  static void writeProject() throws IOException {
    List<String[]> chain = List.of(
        // id, upgrade body, downgrade body
        rev("l01notnull", "op.add_column('orders', sa.Column('note', sa.String(20), "
            + "nullable=False))  # <-", "op.drop_column('orders', 'note')"),
        rev("l02notnullok", "op.add_column('orders', sa.Column('note2', sa.String(20), "
            + "nullable=False, server_default='x'))\n    op.create_table('fresh', "
            + "sa.Column('id', sa.BigInteger(), primary_key=True))\n    op.add_column('fresh', "
            + "sa.Column('must', sa.Integer(), nullable=False))",
            "op.drop_table('fresh')\n    op.drop_column('orders', 'note2')"),
        rev("l03intpk", "op.create_table(  # <-\n        'widgets',\n        sa.Column('id', "
            + "sa.Integer(), primary_key=True),\n    )", "op.drop_table('widgets')"),
        rev("l04bigpk", "op.create_table('gadgets', sa.Column('id', sa.BigInteger(), "
            + "primary_key=True))\n    op.create_table('tokens', sa.Column('id', "
            + "postgresql.UUID(), primary_key=True))",
            "op.drop_table('tokens')\n    op.drop_table('gadgets')"),
        rev("l05drop", "op.drop_column('orders', 'note')  # <-",
            "op.add_column('orders', sa.Column('note', sa.String(20)))"),
        rev("l06narrow", "op.alter_column('orders', 'currency', type_=sa.String(2), "
            + "existing_type=sa.String(3))  # <-", "op.alter_column('orders', 'currency', "
            + "type_=sa.String(3), existing_type=sa.String(2))"),
        rev("l07widen", "op.alter_column('orders', 'currency', type_=sa.String(8), "
            + "existing_type=sa.String(2))\n    op.alter_column('orders', 'total', "
            + "type_=sa.Numeric(14, 2), existing_type=sa.Numeric(12, 2))",
            "op.alter_column('orders', 'currency', type_=sa.String(2), "
            + "existing_type=sa.String(8))"),
        rev("l08index", "op.create_index('ix_orders_total', 'orders', ['total'])  # <-",
            "op.drop_index('ix_orders_total', table_name='orders')"),
        rev("l09indexok", "op.create_index('ix_orders_user', 'orders', ['user_id'], "
            + "postgresql_concurrently=True)",
            "op.drop_index('ix_orders_user', table_name='orders')"),
        rev("l10rawsql", "op.execute('UPDATE orders SET total = 0 WHERE total < 0')  # <-",
            "op.alter_column('orders', 'total', nullable=False)"),
        rev("l11construct", "orders = sa.table('orders', sa.column('total'))\n    "
            + "op.execute(orders.update().values(total=0))",
            "orders = sa.table('orders', sa.column('total'))\n    "
            + "op.execute(orders.update().values(total=1))"),
        rev("l12empty", "pass  # <-", "pass"),
        rev("l13passdown", "op.add_column('orders', sa.Column('memo', sa.Text()))",
            "pass  # <-"),
        rev("l14raises", "op.add_column('orders', sa.Column('memo2', sa.Text()))",
            "raise NotImplementedError('irreversible')  # <-"),
        rev("l15nodown", "op.add_column('orders', sa.Column('memo3', sa.Text()))", null),
        rev("l16waived", "# schema-migration: allow destructive-operation -- widgets never "
            + "shipped\n    op.drop_table('widgets')  # <-",
            "op.create_table('widgets', sa.Column('id', sa.BigInteger(), primary_key=True))"),
        rev("l17badwaiver", "# schema-migration: allow no-such-rule -- typo\n    "
            + "# schema-migration: allow destructive-operation\n    "
            + "op.drop_table('gadgets')  # <-",
            "op.create_table('gadgets', sa.Column('id', sa.BigInteger(), primary_key=True))"),
        rev("l18batch", "with op.batch_alter_table('users') as batch_op:\n        "
            + "batch_op.add_column(sa.Column('tier', sa.Integer(), nullable=False))  # <-",
            "with op.batch_alter_table('users') as batch_op:\n        "
            + "batch_op.drop_column('tier')"),
        rev("l19bind", "op.add_column('users', sa.Column('nick', sa.Text()))\n    "
            + "op.get_bind().execute(sa.text('UPDATE users SET nick = email'))  # <-",
            "op.drop_column('users', 'nick')"));
    Map<String, String> extra = new LinkedHashMap<>();
    String down = VectisProject.HEAD;
    for (String[] revision : chain) {
      String text = file(revision[0], down, revision[1], revision[2]);
      String path = VERSIONS + revision[0] + "_test.py";
      extra.put(path, text);
      FILES.put(revision[0], path);
      List<String> lines = text.lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).contains("# <-")) {
          // A function that does nothing is found at its def, the line above.
          MARKED.put(revision[0], lines.get(i).strip().startsWith("pass") ? i : i + 1);
        }
      }
      down = revision[0];
    }
    project = VectisProject.copy(temp.resolve("project"), List.of(), extra);
  }

  private static String[] rev(String id, String upgrade, String downgrade) {
    return new String[] {id, upgrade, downgrade};
  }

  private static String file(String id, String down, String upgrade, String downgrade) {
    return "\"\"\"" + id + "\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n"
        + "from sqlalchemy.dialects import postgresql\n\nrevision = '" + id
        + "'\ndown_revision = '" + down + "'\nbranch_labels = None\ndepends_on = None\n\n\n"
        + "def upgrade():\n    " + upgrade + "\n"
        + (downgrade == null ? "" : "\n\ndef downgrade():\n    " + downgrade + "\n");
  }

  private static CapturedRun lint(Path dir, String... extra) {
    List<String> args = new ArrayList<>(List.of("lint", "--project-dir", dir.toString(),
        "--python", PYTHON));
    args.addAll(List.of(extra));
    return CapturedRun.of("", args.toArray(String[]::new));
  }

  private static List<JsonNode> findings(CapturedRun run) throws IOException {
    List<JsonNode> findings = new ArrayList<>();
    JSON.readTree(run.stdout()).path("findings").forEach(findings::add);
    return findings;
  }

  private static List<JsonNode> of(List<JsonNode> findings, String revision) {
    return findings.stream().filter(f -> revision.equals(f.path("revision").asText(null)))
        .toList();
  }

  private static void assertOne(List<JsonNode> findings, String revision, String rule,
      String severity) {
    List<JsonNode> mine = of(findings, revision);
    assertThat(mine).as("findings of %s", revision).hasSize(1);
    JsonNode finding = mine.get(0);
    assertThat(finding.path("rule").asText()).isEqualTo(rule);
    assertThat(finding.path("severity").asText()).isEqualTo(severity);
    assertThat(finding.path("file").asText()).isEqualTo(FILES.get(revision));
    assertThat(finding.path("line").asInt()).as("line of %s", revision)
        .isEqualTo(MARKED.get(revision));
  }

  @Test
  void eachRuleFindsItsRevisionAtTheLineOfTheOperationAndNotItsCleanTwin() throws IOException {
    CapturedRun run = lint(project, "-o", "json");

    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(1);
    List<JsonNode> findings = findings(run);
    JsonNode checked = JSON.readTree(run.stdout()).path("checked");
    assertThat(checked).hasSize(5 + FILES.size());
    assertOne(findings, "l01notnull", "not-null-without-default", "deny");
    assertThat(of(findings, "l01notnull").get(0).path("message").asText())
        .contains("orders.note").contains("server_default");
    assertOne(findings, "l03intpk", "non-bigint-primary-key", "warn");
    assertOne(findings, "l05drop", "destructive-operation", "warn");
    assertOne(findings, "l06narrow", "destructive-operation", "warn");
    assertThat(of(findings, "l06narrow").get(0).path("message").asText())
        .contains("VARCHAR(3) to VARCHAR(2)");
    assertOne(findings, "l08index", "index-without-concurrently", "warn");
    assertThat(of(findings, "l10rawsql")).hasSize(1);
    assertOne(findings, "l10rawsql", "raw-sql", "warn");
    assertOne(findings, "l12empty", "empty-migration", "warn");
    assertOne(findings, "l18batch", "not-null-without-default", "deny");
    assertOne(findings, "l19bind", "raw-sql", "warn");
    assertThat(of(findings, "l19bind").get(0).path("message").asText())
        .contains("op.get_bind()").contains("UPDATE users SET nick = email");
    assertOne(findings, "l13passdown", "missing-downgrade", "deny");
    assertOne(findings, "l14raises", "missing-downgrade", "deny");
    List<JsonNode> noDowngrade = of(findings, "l15nodown");
    assertThat(noDowngrade).hasSize(1);
    assertThat(noDowngrade.get(0).path("rule").asText()).isEqualTo("missing-downgrade");
    assertThat(noDowngrade.get(0).has("line")).isFalse();
    for (String clean : List.of("l02notnullok", "l04bigpk", "l07widen", "l09indexok",
        "l11construct")) {
      assertThat(of(findings, clean)).as("findings of the clean %s", clean).isEmpty();
    }
    for (String sample : List.of("0f5e1c2d3a4b", "a3e2f1b8c9d4", "b7c4e9a1d2f3",
        VectisProject.MERGE, VectisProject.HEAD)) {
      assertThat(of(findings, sample)).as("the sample's %s", sample).isEmpty();
    }
  }

  @Test
  void aWaiverWithAReasonWaivesItsRuleInItsRevisionOnly() throws IOException {
    List<JsonNode> findings = findings(lint(project, "-o", "json"));

    List<JsonNode> waived = of(findings, "l16waived");
    assertThat(waived).hasSize(1);
    assertThat(waived.get(0).path("rule").asText()).isEqualTo("destructive-operation");
    assertThat(waived.get(0).path("waived").asText()).isEqualTo("widgets never shipped");
    assertThat(waived.get(0).path("line").asInt()).isEqualTo(MARKED.get("l16waived"));

    List<JsonNode> bad = of(findings, "l17badwaiver");
    assertThat(bad).extracting(f -> f.path("rule").asText()).containsExactlyInAnyOrder(
        "destructive-operation", "invalid-waiver", "invalid-waiver");
    assertThat(bad).filteredOn(f -> f.path("rule").asText().equals("destructive-operation"))
        .allSatisfy(f -> assertThat(f.has("waived")).isFalse());
    assertThat(bad).filteredOn(f -> f.path("rule").asText().equals("invalid-waiver"))
        .extracting(f -> f.path("message").asText())
        .anySatisfy(m -> assertThat(m).contains("no-such-rule"))
        .anySatisfy(m -> assertThat(m).startsWith("not a waiver: # schema-migration: allow "
            + "destructive-operation;"));
  }

  @Test
  void theTextReportNamesFileLineAndTotals() {
    CapturedRun run = lint(project);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.stdout()).contains(FILES.get("l01notnull") + ":" + MARKED.get("l01notnull")
        + ": deny not-null-without-default: column orders.note is added NOT NULL");
    assertThat(run.stdout()).contains(": waived destructive-operation: drops table widgets")
        .contains("(waived: widgets never shipped)");
    assertThat(run.stdout()).containsPattern("lint: 24 revisions checked: 5 deny, \\d+ warn, "
        + "1 waived");
  }

  @Test
  void severitiesComeFromTheSpecAndTheFlagsOverrideIt() throws IOException {
    Path resource = temp.resolve("policy.yaml");
    Files.writeString(resource, """
        apiVersion: migrations.vectis.dev/v1alpha1
        kind: SchemaMigration
        metadata: {name: vectis-backend, namespace: shop}
        spec:
          image: registry.example.com/vectis/backend:1.14.0
          alembic: {workingDir: /vectis/backend}
          database: {secretRef: {name: vectis-db-app}}
          policy:
            rules:
              not-null-without-default: warn
              missing-downgrade: "off"
              destructive-operation: deny
        """);
    List<JsonNode> fromSpec = findings(lint(project, "-f", resource.toString(), "-o", "json"));
    assertThat(of(fromSpec, "l01notnull").get(0).path("severity").asText()).isEqualTo("warn");
    assertThat(of(fromSpec, "l13passdown")).isEmpty();
    assertThat(of(fromSpec, "l05drop").get(0).path("severity").asText()).isEqualTo("deny");

    CapturedRun flagged = lint(project, "-f", resource.toString(), "-o", "json", "--rule",
        "destructive-operation=warn", "--rule", "raw-sql=off", "--rule",
        "invalid-waiver=off", "--rule", "not-null-without-default=off");
    List<JsonNode> fromFlags = findings(flagged);
    assertThat(of(fromFlags, "l05drop").get(0).path("severity").asText()).isEqualTo("warn");
    assertThat(of(fromFlags, "l10rawsql")).isEmpty();
    assertThat(of(fromFlags, "l01notnull")).isEmpty();
    assertThat(fromFlags).noneMatch(f -> f.path("severity").asText().equals("deny"));
    assertThat(flagged.exitCode()).isZero();
  }

  @Test
  void theRangeChecksOnlyTheRevisionsAnUpgradeWouldRun() throws IOException {
    CapturedRun run = lint(project, "-o", "json", "--from", "l12empty", "--to", "l14raises");

    assertThat(JSON.readTree(run.stdout()).path("checked"))
        .extracting(JsonNode::asText).containsExactly("l13passdown", "l14raises");
    assertThat(findings(run)).extracting(f -> f.path("revision").asText())
        .containsOnly("l13passdown", "l14raises");
  }

  @Test
  void theSampleProjectIsClean() {
    CapturedRun run = CapturedRun.of("", "lint", "--project-dir",
        ProjectPaths.vectisProject().toString(), "--python", PYTHON);

    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    assertThat(run.stdout().strip())
        .isEqualTo("lint: 5 revisions checked: 0 deny, 0 warn, 0 waived");
  }

  @Test
  void twoHeadsAreOneDenyFindingThatSaysHowToMerge() throws IOException {
    Path branched = VectisProject.copy(temp.resolve("branched"), List.of(), Map.of(
        VERSIONS + "e1_side.py", file("e1side", VectisProject.MERGE,
            "op.add_column('orders', sa.Column('side', sa.Text()))",
            "op.drop_column('orders', 'side')")));

    CapturedRun run = lint(branched, "-o", "json");

    assertThat(run.exitCode()).isEqualTo(1);
    List<JsonNode> findings = findings(run);
    assertThat(findings).hasSize(1);
    assertThat(findings.get(0).path("rule").asText()).isEqualTo("multiple-heads");
    assertThat(findings.get(0).path("message").asText()).contains("alembic merge heads");
  }

  @Test
  void sarifIsValidAgainstTheSchemaAndCarriesLocationsAndSuppressions() throws IOException {
    CapturedRun run = lint(project, "-o", "sarif");

    assertThat(run.exitCode()).isEqualTo(1);
    JsonNode sarif = JSON.readTree(run.stdout());
    assertThat(schemaProblems(sarif)).isEmpty();
    JsonNode results = sarif.path("runs").get(0).path("results");
    JsonNode notNull = null;
    for (JsonNode result : results) {
      if (result.path("ruleId").asText().equals("not-null-without-default") && notNull == null) {
        notNull = result;
      }
    }
    assertThat(notNull).isNotNull();
    assertThat(notNull.path("level").asText()).isEqualTo("error");
    JsonNode location = notNull.path("locations").get(0).path("physicalLocation");
    assertThat(location.path("artifactLocation").path("uri").asText())
        .isEqualTo(FILES.get("l01notnull"));
    assertThat(location.path("region").path("startLine").asInt())
        .isEqualTo(MARKED.get("l01notnull"));
    assertThat(results.findValues("suppressions")).hasSize(1);
    assertThat(results.findValues("justification").get(0).asText())
        .isEqualTo("widgets never shipped");

    CapturedRun failed = lint(temp.resolve("no-such-project"), "-o", "sarif");
    assertThat(failed.exitCode()).isEqualTo(2);
    JsonNode failure = JSON.readTree(failed.stdout());
    assertThat(schemaProblems(failure)).isEmpty();
    assertThat(failure.path("runs").get(0).path("invocations").get(0)
        .path("executionSuccessful").asBoolean()).isFalse();
  }

  @Test
  void theCapturedCodeDoesNotSeeTheDatabaseTheShellPointsAt() throws Exception {
    Path seen = temp.resolve("seen-by-upgrade.txt");
    Path curious = VectisProject.copy(temp.resolve("curious"), List.of(), Map.of(
        VERSIONS + "e2_curious.py", file("e2curious", VectisProject.HEAD,
            "import os\n    open(" + JSON.writeValueAsString(seen.toString()) + ", 'w').write("
                + "repr((os.environ.get('DATABASE_URL'), os.environ.get('PGPASSWORD'))))\n    "
                + "op.add_column('orders', sa.Column('c', sa.Text()))",
            "op.drop_column('orders', 'c')")));
    List<String> command = CliProcess.java();
    command.addAll(List.of("lint", "--project-dir", curious.toString(), "--python", PYTHON));
    Process lint = CliProcess.start(command, Map.of("DATABASE_URL",
        "postgresql://app@prod.example/shop", "PGPASSWORD", "hunter2-prod",
        "SCHEMA_MIGRATION_GRAPH_CACHE", "off"), temp.resolve("curious.log"));

    assertThat(lint.waitFor()).as(Files.readString(temp.resolve("curious.log"))).isZero();
    assertThat(Files.readString(seen)).isEqualTo("(None, None)");
  }

  @Test
  @org.junit.jupiter.api.Timeout(120)
  void whatARevisionDoesAroundItsOperationsDoesNotFoolTheCapture() throws IOException {
    String header = "from alembic import op, context\nimport atexit, subprocess, sys\n"
        + "import sqlalchemy as sa\n\n";
    Map<String, String> revisions = new LinkedHashMap<>();
    revisions.put("h1offline", header + "revision = 'h1offline'\ndown_revision = '"
        + VectisProject.HEAD + "'\n\n\ndef upgrade():\n"
        + "    if not context.is_offline_mode():\n        print('online')\n"
        + "    sys.stdout.write('progress: 100%')\n"
        + "    atexit.register(lambda: print('{\"error\": \"injected\"}'))\n"
        + "    subprocess.Popen(['sleep', '600'])\n"
        + "    op.add_column('orders', sa.Column('k', sa.Integer(), nullable=False))  # <-\n"
        + "\n\ndef downgrade():\n    op.drop_column('orders', 'k')\n");
    revisions.put("h2ddl", header + "revision = 'h2ddl'\ndown_revision = 'h1offline'\n\n\n"
        + "def upgrade():\n"
        + "    op.execute(sa.DDL('ALTER TABLE orders DROP COLUMN k'))  # <-\n"
        + "    op.get_context().impl.execute('DROP TABLE channels')\n"
        + "    op.get_bind().execute(sa.text('DELETE FROM orders'))\n"
        + "\n\ndef downgrade():\n"
        + "    op.add_column('orders', sa.Column('k', sa.Integer()))\n");
    revisions.put("h3schemas", header + "revision = 'h3schemas'\ndown_revision = 'h2ddl'\n\n"
        + "NOTE = '# schema-migration: allow not-null-without-default -- in a string'\n\n\n"
        + "def upgrade():\n"
        + "    # schema-migration: allow destructive-operation because legacy\n"
        + "    op.create_table('things', sa.Column('id', sa.BigInteger(), primary_key=True),"
        + " schema='s1')\n"
        + "    op.add_column('things', sa.Column('q', sa.Integer(), nullable=False), "
        + "schema='s2')  # <-\n"
        + "\n\ndef downgrade():\n    op.drop_column('things', 'q', schema='s2')\n"
        + "    op.drop_table('things', schema='s1')\n");
    Map<String, String> files = new LinkedHashMap<>();
    revisions.forEach((id, text) -> files.put(VERSIONS + id + " é.py", text));
    Path hostile = VectisProject.copy(temp.resolve("hostile"), List.of(), files);
    Files.write(hostile.resolve(VERSIONS + "h4latin.py"), ("# -*- coding: latin-1 -*-\n"
        + "\"\"\"caf\u00e9\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\n"
        + "revision = 'h4latin'\ndown_revision = 'h3schemas'\n\n\ndef upgrade():\n"
        + "    op.drop_column('orders', 'total')  # <-\n\n\ndef downgrade():\n"
        + "    op.add_column('orders', sa.Column('total', sa.Numeric(12, 2)))\n")
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

    CapturedRun run = lint(hostile, "-o", "json", "--from", VectisProject.HEAD);

    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isEqualTo(1);
    List<JsonNode> findings = findings(run);
    assertThat(of(findings, "h1offline")).extracting(f -> f.path("rule").asText())
        .containsExactly("not-null-without-default");
    assertThat(of(findings, "h1offline").get(0).path("line").asInt()).isEqualTo(15);
    assertThat(of(findings, "h2ddl")).extracting(f -> f.path("message").asText())
        .hasSize(3)
        .anySatisfy(m -> assertThat(m).contains("ALTER TABLE orders DROP COLUMN k"))
        .anySatisfy(m -> assertThat(m).contains("DROP TABLE channels"))
        .anySatisfy(m -> assertThat(m).contains("DELETE FROM orders"));
    assertThat(of(findings, "h3schemas")).extracting(f -> f.path("rule").asText())
        .containsExactlyInAnyOrder("not-null-without-default", "invalid-waiver");
    assertThat(of(findings, "h3schemas")).allSatisfy(f -> assertThat(f.has("waived")).isFalse());
    assertThat(of(findings, "h4latin")).extracting(f -> f.path("rule").asText())
        .containsExactly("destructive-operation");

    JsonNode sarif = JSON.readTree(lint(hostile, "-o", "sarif", "--from",
        VectisProject.HEAD).stdout());
    assertThat(sarif.findValuesAsText("uri"))
        .contains(VERSIONS + "h1offline%20%C3%A9.py");
  }

  @Test
  void badInputIsOneLineWithExitTwo() {
    CapturedRun unknownRule = lint(project, "--rule", "no-such-rule=deny");
    assertThat(unknownRule.exitCode()).isEqualTo(2);
    assertThat(unknownRule.stderr().strip()).isEqualTo("lint: --rule: unknown rule "
        + "\"no-such-rule\" (rules: missing-downgrade, empty-migration, "
        + "not-null-without-default, non-bigint-primary-key, destructive-operation, "
        + "index-without-concurrently, multiple-heads, raw-sql, invalid-waiver, upgrade-failed, "
        + "downgrade-failed, roundtrip-mismatch)");

    CapturedRun badSeverity = lint(project, "--rule", "raw-sql=error");
    assertThat(badSeverity.exitCode()).isEqualTo(2);
    assertThat(badSeverity.stderr()).contains("--rule: raw-sql must be deny, warn or off");

    CapturedRun badRange = lint(project, "--from", "nosuchrev");
    assertThat(badRange.exitCode()).isEqualTo(2);
    assertThat(badRange.stderr().lines().count()).isEqualTo(1);
    assertThat(badRange.stderr()).startsWith("lint: --from nosuchrev: ");

    CapturedRun sarifElsewhere = CapturedRun.of("", "heads", "--project-dir",
        project.toString(), "--python", PYTHON, "-o", "sarif");
    assertThat(sarifElsewhere.exitCode()).isEqualTo(2);
    assertThat(sarifElsewhere.stderr()).contains("-o sarif: only lint and rehearse");
  }

  private static List<String> schemaProblems(JsonNode document) throws IOException {
    try (InputStream schema = LintCommandTest.class.getResourceAsStream(
        "/sarif/sarif-2.1.0-rtm.5.json")) {
      JsonSchema validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4)
          .getSchema(schema);
      return validator.validate(document).stream().map(Object::toString).toList();
    }
  }
}
