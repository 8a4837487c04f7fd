package dev.vectis.migrations.cli;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.MERGE;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code migrate} and {@code status} end to end: real Alembic, real PostgreSQL, real pg_dump. */
@ExtendWith(PostgresExtension.class)
class LocalModeTest {
  @TempDir Path work;

  private String stdout;
  private String stderr;
  /** What a person at the terminal sees: progress (stderr with -o yaml|json) and stdout. */
  private String printed;
  private LocalCli cli;

  private int run(String... args) {
    return captured(cli().run(args));
  }

  /** migrate or status against the test database, with Debian's Python and pg_dump. */
  private int local(String command, TestDatabase db, Path resource, Path project,
      String... more) {
    return captured(cli().local(command, db, resource, project, more));
  }

  private Path resource(String target, String... extraSpec) throws IOException {
    return cli().resource(target, extraSpec);
  }

  private LocalCli cli() {
    if (cli == null) {
      cli = new LocalCli(work);
    }
    return cli;
  }

  private int captured(int exit) {
    stdout = cli.stdout();
    stderr = cli.stderr();
    printed = cli.printed();
    return exit;
  }

  private static Path vectis() {
    return ProjectPaths.vectisProject();
  }

  @Test
  void migrateToHeadWithTheEmbeddedDatabaseThenARerunIsANoOp() throws IOException {
    Path resource = ProjectPaths.examples().resolve("with-seed.yaml");
    Path data = work.resolve("pg");
    int exit = local("migrate", null, resource, vectis(), "--data-dir", data.toString(),
        "-o", "yaml");
    assertThat(exit).as(stdout + stderr).isZero();
    assertThat(printed).contains("Running upgrade c9d8e7f6a5b4 -> 5731d674e022, multi_currency",
        "seed: 19 rows inserted", "==> Ready: the database is at " + HEAD, "phase: Ready",
        "currentRevision: " + HEAD);

    exit = local("migrate", null, resource, vectis(), "--data-dir", data.toString());
    assertThat(exit).isZero();
    assertThat(printed).as("the same database, nothing to run").doesNotContain("Running upgrade",
        "migration lock", "seed:").contains("==> Ready: the database is at " + HEAD);

    exit = local("status", null, resource, vectis(), "--data-dir", data.toString());
    assertThat(exit).isZero();
    assertThat(printed).contains("Current          " + HEAD, "Pending          none",
        "Target           head -> " + HEAD);
  }

  @Test
  void pinnedTargetThenOneMore(TestDatabase db) throws IOException, SQLException {
    assertThat(local("migrate", db, resource("a3e2f1b8c9d4"), vectis(), "-o", "text"))
        .as(stdout).isZero();
    assertThat(versionRows(db)).containsExactly("a3e2f1b8c9d4");

    Path status = resource("head");
    assertThat(local("status", db, status, vectis())).isZero();
    assertThat(printed).contains("Pending          3 revisions",
        "b7c4e9a1d2f3  add_audit_log", "c9d8e7f6a5b4  merge_branches");
    assertThat(versionRows(db)).as("status changes nothing").containsExactly("a3e2f1b8c9d4");

    db.execute("DELETE FROM alembic_version");
    db.execute("INSERT INTO alembic_version VALUES ('" + MERGE + "')");
    assertThat(local("migrate", db, resource("+1"), vectis(), "-o", "text")).isZero();
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(printed).contains("Running upgrade c9d8e7f6a5b4 -> 5731d674e022");
  }

  @Test
  void aDowngradeIsRefusedThenAllowedWithAVerifiedBackup(TestDatabase db)
      throws IOException, SQLException {
    assertThat(local("migrate", db, resource("head"), vectis())).isZero();
    db.execute("INSERT INTO exchange_rates (base_currency, target_currency, rate, "
        + "effective_from) VALUES ('EUR', 'USD', 1.08, now())");

    assertThat(local("migrate", db, resource("a3e2f1b8c9d4"), vectis(), "-o", "yaml"))
        .isEqualTo(1);
    assertThat(printed).contains("Stalled (DowngradeNotAllowed): target a3e2f1b8c9d4 is behind "
        + "the database", "reason: DowngradeNotAllowed");
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(work.resolve("backups")).doesNotExist();

    Path allowed = resource("a3e2f1b8c9d4", "downgrade: {allow: true}");
    assertThat(local("migrate", db, allowed, vectis(), "--dry-run")).isZero();
    assertThat(printed).contains("(dry run) a verified backup would be written",
        "(dry run) alembic downgrade a3e2f1b8c9d4 would run 2 steps:", "nothing was changed");
    assertThat(versionRows(db)).containsExactly(HEAD);

    assertThat(local("migrate", db, allowed, vectis(), "-o", "yaml")).as(stdout + stderr)
        .isZero();
    assertThat(versionRows(db)).containsExactlyInAnyOrder("a3e2f1b8c9d4", "b7c4e9a1d2f3");
    assertThat(db.tableExists("exchange_rates")).isFalse();
    Path dumps = work.resolve("backups").resolve(
        dev.vectis.migrations.database.DatabaseIdentity.of(db.settings()).key());
    try (Stream<Path> files = Files.list(dumps)) {
      Path dump = files.filter(f -> f.toString().endsWith(".dump")).findFirst().orElseThrow();
      assertThat(dump.getFileName().toString()).endsWith("-" + HEAD + ".dump");
      assertThat(printed).contains("backup " + dump, "verified", "lastBackup:",
          "direction: downgrade");

      assertThat(run("restore", "--dump", dump.toString(), "--pg-restore",
          ExternalTools.pgDump().resolveSibling("pg_restore").toString(), "--database-url",
          "postgresql://" + db.user() + "@localhost:" + db.port() + "/" + db.name(), "--yes",
          "--backup-dir", work.resolve("backups").toString())).as(stdout + stderr).isZero();
      assertThat(versionRows(db)).containsExactly(HEAD);
      assertThat(db.count("SELECT count(*) FROM exchange_rates")).isEqualTo(1);
    }
  }

  @Test
  void aPlanNeedingApprovalWaitsUntilItsHashIsGivenAndIsRemembered(TestDatabase db)
      throws IOException, SQLException {
    Path resource = resource("head", "approval: {required: Any}", "history: {limit: 2}");
    assertThat(local("migrate", db, resource, vectis(), "-o", "yaml")).isEqualTo(1);
    java.util.regex.Matcher hash = java.util.regex.Pattern
        .compile("planHash: \"?([0-9a-f]{16})").matcher(printed);
    assertThat(hash.find()).as(printed).isTrue();
    assertThat(printed).contains("==> Awaiting approval: the upgrade of base to " + HEAD,
        "migrate --approve " + hash.group(1), "reason: AwaitingApproval");
    assertThat(db.tableExists("alembic_version")).isFalse();

    assertThat(local("migrate", db, resource, vectis(), "--approve", "0123456789abcdef"))
        .isEqualTo(1);
    assertThat(printed).contains("is for another plan");
    assertThat(db.tableExists("alembic_version")).isFalse();

    assertThat(local("migrate", db, resource, vectis(), "--approve", hash.group(1), "-o",
        "yaml")).as(printed).isZero();
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(printed).contains("planHash: " + hash.group(1), "approvedAt:",
        "result: Succeeded");
  }

  @Test
  void anApprovedDowngradeRunAgainAfterTheDatabaseMovedBackIsApprovedAnewAndBackedUpAnew(
      TestDatabase db) throws IOException, SQLException {
    assertThat(local("migrate", db, resource("head"), vectis())).isZero();
    Path down = resource(MERGE, "downgrade: {allow: true}", "approval: {required: Downgrade}",
        "history: {limit: 3}");
    assertThat(local("migrate", db, down, vectis())).isEqualTo(1);
    java.util.regex.Matcher first = java.util.regex.Pattern
        .compile("migrate --approve ([0-9a-f]{16})").matcher(printed);
    assertThat(first.find()).as(printed).isTrue();
    String hash = first.group(1);
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(work.resolve("backups")).doesNotExist();
    assertThat(local("status", db, down, vectis())).isZero();
    assertThat(printed).contains("AwaitingApproval", hash);

    assertThat(local("migrate", db, down, vectis(), "--approve", hash)).as(printed).isZero();
    assertThat(versionRows(db)).containsExactly(MERGE);
    Path dumps = work.resolve("backups").resolve(
        dev.vectis.migrations.database.DatabaseIdentity.of(db.settings()).key());
    // A backup finished in the same second as the migration before it is taken again (the
    // freshness check is conservative at second precision): one dump, or two.
    int dumpsBefore = dumpsIn(dumps).size();
    assertThat(dumpsBefore).isBetween(1, 2);

    // Someone upgrades the database again by hand and writes data in the new table.
    db.execute("ALTER TABLE channels ADD COLUMN supported_currencies jsonb DEFAULT '[\"USD\"]'");
    db.execute("CREATE TABLE exchange_rates (id bigserial PRIMARY KEY, base_currency "
        + "varchar(3) NOT NULL, target_currency varchar(3) NOT NULL, rate numeric(18, 8) NOT "
        + "NULL, effective_from timestamptz NOT NULL, created_at timestamptz DEFAULT now())");
    db.execute("ALTER TABLE orders ADD COLUMN currency varchar(3) NOT NULL DEFAULT 'USD'");
    db.execute("UPDATE alembic_version SET version_num = '" + HEAD + "'");
    db.execute("INSERT INTO exchange_rates (base_currency, target_currency, rate, "
        + "effective_from) VALUES ('EUR', 'USD', 1.08, now())");

    // The plan that ran spent its approval: the same steps wait under another hash.
    assertThat(local("migrate", db, down, vectis(), "--approve", hash)).isEqualTo(1);
    assertThat(printed).contains("is for another plan");
    assertThat(versionRows(db)).containsExactly(HEAD);
    java.util.regex.Matcher second = java.util.regex.Pattern
        .compile("migrate --approve ([0-9a-f]{16})").matcher(printed);
    assertThat(second.find()).isTrue();
    assertThat(second.group(1)).isNotEqualTo(hash);

    // Approved: the plan says "after a verified backup", and the one dump there is from before
    // the first downgrade, without the row written since.
    assertThat(local("migrate", db, down, vectis(), "--approve", second.group(1), "-o", "yaml"))
        .as(printed).isZero();
    assertThat(versionRows(db)).containsExactly(MERGE);
    assertThat(dumpsIn(dumps).size()).as(printed).isGreaterThan(dumpsBefore);
    String secret = ":" + db.password() + "@";
    assertThat(stdout).doesNotContain(secret).contains("result: Succeeded");
    assertThat(Files.readString(work.resolve("state").resolve(
        dev.vectis.migrations.database.DatabaseIdentity.of(db.settings()).key())
        .resolve("shop").resolve("vectis-backend.json"))).doesNotContain(secret)
        .contains("\"history\"");
  }

  private static List<Path> dumpsIn(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".dump")).toList();
    }
  }

  @Test
  void multipleHeadsAreRefused(TestDatabase db) throws IOException, SQLException {
    Path project = copyOfVectis(List.of("c9d8e7f6a5b4_merge_branches.py",
        "5731d674e022_multi_currency.py"));
    assertThat(local("migrate", db, resource("head"), project)).isEqualTo(1);
    assertThat(printed).contains("Stalled (MultipleHeads)",
        "alembic merge heads -m \"merge_branches\"");
    assertThat(db.tableExists("alembic_version")).isFalse();

    assertThat(local("migrate", db, resource("heads"), project)).isZero();
    assertThat(versionRows(db)).containsExactlyInAnyOrder("a3e2f1b8c9d4", "b7c4e9a1d2f3");
  }

  @Test
  void aRevisionTheProjectDoesNotKnowIsRefused(TestDatabase db) throws IOException,
      SQLException {
    db.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)");
    db.execute("INSERT INTO alembic_version VALUES ('ffffeeee0000')");
    assertThat(local("migrate", db, resource("head"), vectis())).isEqualTo(1);
    assertThat(printed).contains("Stalled (RevisionInNoImage): the database is at "
        + "ffffeeee0000, which no image this resource knows contains (spec.image "
        + ProjectPaths.vectisAlembicDir().toAbsolutePath().normalize() + ")",
        "`alembic stamp --purge <that revision>`");
    assertThat(versionRows(db)).containsExactly("ffffeeee0000");
  }

  @Test
  void aSchemaWithoutItsVersionRowsIsNotMigratedOverAndUnrelatedTablesAreNoBother(
      TestDatabase db) throws IOException, SQLException {
    db.execute("CREATE TABLE legacy_orders (id integer)");
    assertThat(local("migrate", db, resource("head"), vectis())).as(stdout + stderr).isZero();
    assertThat(versionRows(db)).containsExactly(HEAD);

    db.execute("DROP TABLE alembic_version"); // the schema stays, its version rows are lost
    assertThat(local("migrate", db, resource("head"), vectis())).isEqualTo(1);
    assertThat(printed).contains("Stalled (UnstampedSchema): the version table holds no rows "
        + "(base), yet tables the pending revisions create already exist: ",
        "exchange_rates (" + HEAD + " multi_currency)",
        "record it with `alembic stamp " + HEAD + "`").doesNotContain("legacy_orders",
        "Running upgrade", "relation \"");
    assertThat(db.tableExists("alembic_version")).isFalse();

    dev.vectis.migrations.testing.VectisProject.alembic(db, "stamp", HEAD);
    assertThat(local("migrate", db, resource("head"), vectis())).isZero();
    assertThat(printed).contains("==> Ready: the database is at " + HEAD)
        .doesNotContain("Running upgrade");
  }

  @Test
  void aFailingMigrationChangesNothingAndShowsTheSqlError(TestDatabase db) throws IOException,
      SQLException {
    Path project = copyOfVectis(List.of());
    Files.writeString(project.resolve("vectis/backend/alembic/versions/e1e1e1e1e1e1_bad.py"), """
        \"\"\"rename_orders_badly\"\"\"
        from alembic import op

        revision = "e1e1e1e1e1e1"
        down_revision = "5731d674e022"
        branch_labels = None
        depends_on = None


        def upgrade():
            op.execute("ALTER TABLE no_such_table RENAME TO orders_v2")


        def downgrade():
            op.execute("ALTER TABLE orders_v2 RENAME TO no_such_table")
        """);
    assertThat(local("migrate", db, resource("head"), project)).isEqualTo(1);
    assertThat(printed).contains("Stalled (MigrationFailed): alembic upgrade head failed (exit 1)",
        "relation \"no_such_table\" does not exist");
    assertThat(db.tableExists("alembic_version")).as("PostgreSQL rolled the whole run back")
        .isFalse();
    assertThat(db.tableExists("orders")).isFalse();
    assertThat(printed).doesNotContain(":" + db.password() + "@");
  }

  @Test
  void theSamePolicyAsTheOperatorStopsAndReportsLocally(TestDatabase db) throws IOException,
      SQLException {
    Path project = copyOfVectis(List.of());
    Files.writeString(project.resolve("vectis/backend/alembic/versions/d1d1d1d1d1d1_code.py"), """
        \"\"\"orders_channel_code\"\"\"
        import sqlalchemy as sa
        from alembic import op

        revision = "d1d1d1d1d1d1"
        down_revision = "5731d674e022"
        branch_labels = None
        depends_on = None


        def upgrade():
            op.add_column("orders", sa.Column("channel_code", sa.String(16), nullable=False))


        def downgrade():
            op.drop_column("orders", "channel_code")
        """);
    assertThat(local("migrate", db, resource("head"), project)).isEqualTo(1);
    assertThat(printed).contains("Stalled (PolicyViolation): rule not-null-without-default in "
        + "revision d1d1d1d1d1d1 at alembic/versions/d1d1d1d1d1d1_code.py:12");
    assertThat(db.tableExists("alembic_version")).as("nothing ran").isFalse();

    assertThat(local("migrate", db, resource("head",
        "policy: {rules: {not-null-without-default: warn}}"), project)).isZero();
    assertThat(printed).contains("PolicyFindings: 1 lint finding in the pending revisions (0 "
        + "deny, 1 warn, 0 waived)", "warn  not-null-without-default  "
        + "alembic/versions/d1d1d1d1d1d1_code.py:12  column orders.channel_code is added");
    assertThat(db.column("SELECT version_num FROM alembic_version"))
        .containsExactly("d1d1d1d1d1d1");
  }

  @Test
  void badInputIsAOneLineErrorWithExitTwo() throws IOException {
    Path project = vectis();
    assertThat(local("migrate", null, work.resolve("missing.yaml"), project)).isEqualTo(2);
    assertThat(stderr.strip()).isEqualTo("migrate: " + work.resolve("missing.yaml")
        + ": no such file");

    Path broken = Files.writeString(work.resolve("broken.yaml"), "spec: [unclosed\n");
    assertThat(local("migrate", null, broken, project)).isEqualTo(2);
    assertThat(stderr).startsWith("migrate: " + broken + ": not valid YAML at line");

    Path unknownField = resource("head", "targetRevison: head");
    assertThat(local("migrate", null, unknownField, project)).isEqualTo(2);
    assertThat(stderr.strip()).endsWith(": spec.targetRevison: unknown field");

    Path wrongKind = Files.writeString(work.resolve("deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n");
    assertThat(local("migrate", null, wrongKind, project)).isEqualTo(2);
    assertThat(stderr).contains("expected kind SchemaMigration, apiVersion "
        + "migrations.vectis.dev/v1alpha1; found kind Deployment, apiVersion apps/v1");

    assertThat(local("migrate", null, resource("head; rm -rf /"), project)).isEqualTo(2);
    assertThat(stderr).contains("spec.targetRevision: \"head; rm -rf /\" is not an Alembic "
        + "target");

    Path retain = resource("head", "backup: {retain: 0}");
    assertThat(local("migrate", null, retain, project)).isEqualTo(2);
    assertThat(stderr).contains("spec.backup.retain: must be >= 1");

    assertThat(local("migrate", null, resource("head"), work.resolve("nowhere")))
        .isEqualTo(2);
    assertThat(stderr).contains("--project-dir " + work.resolve("nowhere")
        + ": no such directory");
    for (String line : List.of(stderr)) {
      assertThat(line).doesNotContain("Exception", "\tat ");
    }
  }

  @Test
  void anUnreachableDatabaseIsExitOne() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    int exit = run("migrate", "-f", resource("head").toString(), "--project-dir",
        vectis().toString(), "--python", ExternalTools.python().toString(), "--database-url",
        "postgresql://app:topsecret@127.0.0.1:" + closedPort + "/vectis");
    assertThat(exit).isEqualTo(1);
    assertThat(printed).contains("Not ready (WaitingForDatabase): cannot reach PostgreSQL at "
        + "127.0.0.1:" + closedPort).doesNotContain("topsecret");
  }

  private Path copyOfVectis(List<String> without) throws IOException {
    return dev.vectis.migrations.testing.VectisProject.copy(
        work.resolve("project-" + without.size()), without, Map.of());
  }

  /**
   * A revision with a step outside the transaction (autocommit_block) that fails: what was
   * committed stays, the version table does not move, and the report names the revision, the
   * SQL error with its DETAIL, and the half-applied state.
   */
  @Test
  void aHalfAppliedRevisionIsReportedAsSuch(TestDatabase db) throws Exception {
    String revision = "\"\"\"half_applied\"\"\"\nfrom alembic import op\n\nrevision = "
        + "\"f5f5f5f5f5f5\"\ndown_revision = \"" + HEAD + "\"\nbranch_labels = None\n"
        + "depends_on = None\n\n\ndef upgrade():\n"
        + "    op.execute(\"CREATE TABLE half_applied AS SELECT 1 AS v UNION ALL SELECT 1\")\n"
        + "    with op.get_context().autocommit_block():\n"
        + "        op.execute(\"CREATE UNIQUE INDEX CONCURRENTLY ix_half ON half_applied (v)\")\n"
        + "\n\ndef downgrade():\n    op.execute(\"DROP TABLE half_applied\")\n";
    Path project = dev.vectis.migrations.testing.VectisProject.copy(work.resolve("half"),
        List.of(), Map.of(dev.vectis.migrations.testing.VectisProject.VERSIONS
            + "f5f5f5f5f5f5_half_applied.py", revision));
    assertThat(local("migrate", db, resource("head"), project, "-o", "text")).isEqualTo(1);
    assertThat(printed).contains("Stalled (MigrationFailed): alembic upgrade head failed (exit 1) "
        + "in revision f5f5f5f5f5f5 (half_applied)", "UniqueViolation",
        "DETAIL: Key (v)=(1) is duplicated.", "[SQL: CREATE UNIQUE INDEX CONCURRENTLY ix_half",
        // The autocommit block committed the revisions before it too.
        "Revisions before it were committed: the version table is at " + HEAD + " (was base)",
        "f5f5f5f5f5f5 (half_applied) itself may be partly applied", "INVALID indexes");
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(db.tableExists("half_applied")).as("committed by the autocommit block").isTrue();
    assertThat(db.count("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = "
        + "i.indexrelid WHERE c.relname = 'ix_half' AND NOT i.indisvalid")).isEqualTo(1);
  }

  /** `-o json|yaml`: stdout is one document and nothing else, on success and on a stall. */
  @Test
  void withOutputJsonStdoutIsTheDocumentAlone(TestDatabase db) throws Exception {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    assertThat(local("migrate", db, resource("head"), vectis(), "-o", "json")).isZero();
    assertThat(json.readTree(stdout).at("/status/phase").asText()).isEqualTo("Ready");
    assertThat(stderr).contains("==> Ready: the database is at " + HEAD);

    assertThat(local("migrate", db, resource("a3e2f1b8c9d4"), vectis(), "-o", "json"))
        .isEqualTo(1);
    assertThat(json.readTree(stdout).at("/status/conditions").toString())
        .contains("DowngradeNotAllowed");

    assertThat(local("status", db, resource("head"), vectis(), "-o", "json")).isZero();
    var status = json.readTree(stdout);
    assertThat(status.at("/state/reason").asText()).isEqualTo("AtTarget");
    assertThat(status.at("/status/currentRevision").asText()).isEqualTo(HEAD);

    assertThat(local("status", db, resource("head"), vectis(), "-o", "yaml")).isZero();
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper(
        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(stdout)
        .at("/status/currentRevision").asText()).isEqualTo(HEAD);
  }

  /** status and --dry-run change nothing: a mistyped --data-dir is said, not created. */
  @Test
  void readOnlyCommandsCreateNoEmbeddedDatabase() throws IOException {
    Path missing = work.resolve("typo/pg");
    assertThat(local("status", null, resource("head"), vectis(), "--data-dir",
        missing.toString())).isEqualTo(2);
    assertThat(stderr.strip()).isEqualTo("status: --data-dir " + missing + ": no embedded "
        + "PostgreSQL there, and this command changes nothing (it creates none); run migrate "
        + "first, or give --database-url");
    assertThat(local("migrate", null, resource("head"), vectis(), "--data-dir",
        missing.toString(), "--dry-run")).isEqualTo(2);
    assertThat(stderr).contains("no embedded PostgreSQL there");
    assertThat(work.resolve("typo")).doesNotExist();
  }

  @Test
  void aDataDirectoryThatHoldsOtherFilesOrIsInUseIsOneLine() throws Exception {
    Path notData = Files.createDirectories(work.resolve("photos"));
    Files.writeString(notData.resolve("cat.jpg"), "meow");
    assertThat(local("migrate", null, resource("head"), vectis(), "--data-dir",
        notData.toString())).isEqualTo(2);
    assertThat(stderr.strip()).isEqualTo("migrate: --data-dir " + notData + ": not a "
        + "PostgreSQL data directory (it holds other files); give a new or empty directory");

    Path data = work.resolve("pg");
    try (var running = dev.vectis.migrations.local.EmbeddedDatabase.start(data)) {
      assertThat(local("status", null, resource("head"), vectis(), "--data-dir",
          data.toString())).isEqualTo(1);
      assertThat(stderr.strip()).startsWith("status: --data-dir " + data + " is in use")
          .contains("(PostgreSQL process ").endsWith("by another migrate or status; wait for "
              + "it to end, or give another --data-dir").doesNotContain("\n");
    }
  }

  /** User mistakes are one line naming the path and the fix, before anything runs. */
  @Test
  void aMissingPythonOrAlembicIniIsOneLine(TestDatabase db) throws IOException {
    assertThat(run("migrate", "-f", resource("head").toString(), "--project-dir",
        vectis().toString(), "--python", "/nonexistent/python")).isEqualTo(2);
    assertThat(stderr.strip()).isEqualTo("migrate: --python /nonexistent/python: no such "
        + "executable file");

    Path elsewhere = Files.createDirectories(work.resolve("not-the-checkout"));
    assertThat(local("status", db, resource("head"), elsewhere)).isEqualTo(2);
    assertThat(stderr.strip()).doesNotContain("\tat ").endsWith("status: no alembic.ini in "
        + elsewhere
        + " (spec.alembic.workingDir /app/vectis/backend looked up under --project-dir "
        + elsewhere + "); give the checkout that holds it as --project-dir, its path as "
        + "--config, or set spec.alembic.workingDir/config");
  }

  /** A guide user's `alembic downgrade REV`: flags instead of editing the file. */
  @Test
  void targetAndAllowDowngradeFlagsOverrideTheFile(TestDatabase db) throws Exception {
    Path head = resource("head");
    assertThat(local("migrate", db, head, vectis(), "-o", "text")).isZero();
    assertThat(local("migrate", db, head, vectis(), "-o", "text", "--target", "a3e2f1b8c9d4"))
        .isEqualTo(1);
    assertThat(printed).contains("Stalled (DowngradeNotAllowed)");
    assertThat(versionRows(db)).containsExactly(HEAD);

    assertThat(local("migrate", db, head, vectis(), "-o", "text", "--target", "a3e2f1b8c9d4",
        "--allow-downgrade")).as(printed).isZero();
    assertThat(printed).contains("verified", "Running downgrade");
    assertThat(versionRows(db)).containsExactlyInAnyOrder("a3e2f1b8c9d4", "b7c4e9a1d2f3");

    assertThat(local("migrate", db, head, vectis(), "--target", "no such thing!")).isEqualTo(2);
    assertThat(stderr).contains("--target (spec.targetRevision)").doesNotContain("\tat ");
  }

  /** `+1` at a branch point: Alembic's "Ambiguous walk", with what to type instead. */
  @Test
  void anAmbiguousWalkSaysWhichTargetsWouldWork(TestDatabase db) throws Exception {
    Path file = resource("head");
    assertThat(local("migrate", db, file, vectis(), "-o", "text", "--target", "0f5e1c2d3a4b"))
        .isZero();
    assertThat(local("migrate", db, file, vectis(), "-o", "text", "--target", "+1"))
        .isEqualTo(1);
    assertThat(printed).contains("Stalled (AmbiguousRevision): spec.targetRevision +1 meets a "
        + "branch point, where Alembic cannot choose (Ambiguous walk); say which branch: ",
        "a3e2f1b8c9d4", "b7c4e9a1d2f3");
    assertThat(versionRows(db)).containsExactly("0f5e1c2d3a4b");
  }

  /** `alembic current` without Python: the rows, one a line; json for scripts. */
  @Test
  void currentPrintsTheRowsAsAlembicDoes(TestDatabase db) throws Exception {
    Path file = resource("head");
    assertThat(local("current", db, file, vectis())).isZero();
    assertThat(stdout).isEmpty();
    assertThat(local("current", db, file, vectis(), "-o", "json")).isZero();
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(stdout)
        .path("current").toString()).isEqualTo("[]");

    assertThat(local("migrate", db, file, vectis(), "--target", "a3e2f1b8c9d4")).isZero();
    assertThat(local("current", db, file, vectis())).isZero();
    assertThat(stdout.lines().toList()).containsExactly("a3e2f1b8c9d4");
    assertThat(local("migrate", db, file, vectis())).isZero();
    assertThat(local("current", db, file, vectis(), "-o", "json")).isZero();
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(stdout)
        .path("current").toString()).isEqualTo("[\"" + HEAD + "\"]");

    assertThat(local("current", null, file, vectis(), "--data-dir",
        work.resolve("nothing-here").toString())).isEqualTo(2);
    assertThat(work.resolve("nothing-here")).doesNotExist();
  }
}
