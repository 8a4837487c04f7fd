package dev.vectis.migrations.cli;

import static dev.vectis.migrations.cli.RehearseProjects.ORDERS;
import static dev.vectis.migrations.cli.RehearseProjects.VERSIONS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vectis.migrations.cli.RehearseProjects.Revision;
import dev.vectis.migrations.database.ScratchInventory;
import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rehearse} on Alembic projects written for the test, with the real Alembic, on a
 * scratch database of the test server (given as --database-url): what a round trip catches,
 * where it stops, what a dump's data catches, and that the scratch database is empty again
 * afterwards. The embedded throwaway database is {@link RehearseEmbeddedTest}'s.
 */
@ExtendWith(PostgresExtension.class)
class RehearseCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** a2: orders.currency with a server default and its index; the downgrade undoes both. */
  private static final String ADD_CURRENCY = """
          op.add_column("orders", sa.Column("currency", sa.String(3), nullable=False,
                                            server_default="USD"))
          op.create_index("ix_orders_currency", "orders", ["currency"])
      """;

  @TempDir Path work;

  private CapturedRun last;

  /** rehearse on {@code project} and the scratch database {@code db}. */
  private int rehearse(Path project, TestDatabase db, String... more) throws IOException {
    Path passwordFile = work.resolve("password");
    Files.writeString(passwordFile, db.password() + "\n");
    List<String> args = new ArrayList<>(List.of("rehearse", "--project-dir", project.toString(),
        "--python", ExternalTools.python().toString(), "--database-url", "postgresql://"
            + db.user() + "@" + db.host() + ":" + db.port() + "/" + db.name()
            + "?sslmode=disable", "--password-file", passwordFile.toString(), "--pg-dump",
        ExternalTools.pgDump().toString()));
    args.addAll(List.of(more));
    last = CapturedRun.of("", args.toArray(String[]::new));
    return last.exitCode();
  }

  private String printed() {
    return last.stderr() + last.stdout();
  }

  private static Revision a2(String downgrade) {
    return new Revision("a2", "a1", ADD_CURRENCY, downgrade);
  }

  /** What the scratch database holds of its own (the version table included). */
  private static String contents(TestDatabase db) throws Exception {
    try (Connection connection = db.connect()) {
      return ScratchInventory.take(connection).contents();
    }
  }

  @Test
  void aCleanHistoryPassesAndTheScratchDatabaseIsEmptyAgain(TestDatabase db) throws Exception {
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS, a2("""
            op.drop_index("ix_orders_currency", table_name="orders")
            op.drop_column("orders", "currency")
        """), new Revision("a3", "a2", """
            status = sa.Enum("new", "paid", name="order_status")
            status.create(op.get_bind())
            op.add_column("orders", sa.Column("status", status, nullable=True))
            op.execute("CREATE VIEW open_orders AS SELECT id FROM orders WHERE status = 'new'")
            op.execute("CREATE SEQUENCE invoice_numbers START 1000")
        """, """
            op.execute("DROP SEQUENCE invoice_numbers")
            op.execute("DROP VIEW open_orders")
            op.drop_column("orders", "status")
            sa.Enum(name="order_status").drop(op.get_bind())
        """));
    // What was there before the rehearsal stays: a schema and a function of the DBA's.
    db.execute("CREATE SCHEMA tools");
    db.execute("CREATE FUNCTION tools.answer() RETURNS int LANGUAGE sql AS 'SELECT 42'");
    assertThat(rehearse(project, db, "-o", "text")).as(printed()).isZero();
    assertThat(db.count("SELECT tools.answer()")).isEqualTo(42);
    assertThat(last.stdout()).contains("==> [3/3] a3 revision a3",
        "rehearse: 3 revisions checked: 0 deny, 0 warn, 0 waived");
    assertThat(contents(db)).as("what the rehearsal created was dropped").isEmpty();
    assertThat(db.count("SELECT count(*) FROM pg_type WHERE typname = 'order_status'")).isZero();
  }

  @Test
  void aDowngradeThatForgetsAColumnIsAMismatchNamingRevisionFileAndColumn(TestDatabase db)
      throws Exception {
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS, a2("""
            op.drop_index("ix_orders_currency", table_name="orders")
        """), new Revision("a3", "a2", "    op.execute('SELECT 1')\n",
        "    op.execute('SELECT 1')\n"));
    assertThat(rehearse(project, db)).as(printed()).isEqualTo(1);
    assertThat(last.stdout()).contains(VERSIONS + "a2_rev.py: deny roundtrip-mismatch: after "
        + "the downgrade of a2: table orders: column currency still present [a2]",
        "==> stopped at a2; 1 later revision was not rehearsed",
        "rehearse: 2 revisions checked: 1 deny");
    assertThat(last.stdout()).doesNotContain("[3/3]");
    assertThat(contents(db)).isEmpty();
  }

  @Test
  void aForgottenIndexIsAMismatchAndAWaivedMismatchLetsTheRehearsalGoOn(TestDatabase db)
      throws Exception {
    Revision forgetsIndex = new Revision("a2", "a1", """
            op.create_index("ix_orders_note", "orders", ["note"])
        """, "    op.execute('SELECT 1')\n");
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS, forgetsIndex);
    assertThat(rehearse(project, db)).as(printed()).isEqualTo(1);
    assertThat(last.stdout()).contains("after the downgrade of a2: index ix_orders_note still "
        + "present [a2]");

    // A downgrade that cannot give a type back (lossy, so the team leaves it), waived: the
    // rehearsal reports it as waived and goes on to the next revision.
    Revision narrows = new Revision("a2", "a1", """
            op.alter_column("orders", "note", type_=sa.String(20))
        """, "    # schema-migration: allow roundtrip-mismatch -- shortened notes stay short\n"
        + "    op.execute('SELECT 1')\n");
    RehearseProjects.write(project, ORDERS, narrows, new Revision("a3", "a2",
        "    op.execute('SELECT 1')\n", "    op.execute('SELECT 1')\n"));
    assertThat(rehearse(project, db)).as(printed()).isZero();
    assertThat(last.stdout()).contains("waived roundtrip-mismatch: after the downgrade of a2: "
        + "table orders: column note is character varying(20), expected text [a2] (waived: "
        + "shortened notes stay short)", "==> [3/3] a3",
        "3 revisions checked: 0 deny, 0 warn, 1 waived");
  }

  @Test
  void aWarnedMismatchGoesOnAndASchemaAFunctionOrAnExtensionLeftBehindIsAMismatch(
      TestDatabase db) throws Exception {
    Revision leavesThings = new Revision("a2", "a1", """
            op.execute("CREATE SCHEMA IF NOT EXISTS reporting")
            op.execute("CREATE EXTENSION IF NOT EXISTS citext")
            op.execute("CREATE OR REPLACE FUNCTION order_count() RETURNS bigint LANGUAGE sql "
                       "AS 'SELECT count(*) FROM orders'")
        """, "    op.execute('SELECT 1')\n");
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS, leavesThings,
        new Revision("a3", "a2", "    op.execute('SELECT 1')\n",
            "    op.execute('SELECT 1')\n"));

    assertThat(rehearse(project, db, "--rule", "roundtrip-mismatch=warn")).as(printed())
        .isZero();
    assertThat(last.stdout()).contains("warn roundtrip-mismatch: after the downgrade of a2: "
        + "schema reporting still present; extension citext still present; function "
        + "order_count() still present [a2]", "==> [3/3] a3",
        "3 revisions checked: 0 deny, 1 warn, 0 waived");
    assertThat(contents(db)).isEmpty();
  }

  /**
   * SIGTERM while a statement of the revision runs on the scratch database and holds a lock:
   * the statement is ended on the server too, so the cleanup is not blocked behind it; one
   * document on stdout, exit 143, nothing left in the scratch database.
   */
  @Test
  @org.junit.jupiter.api.Tag("slow")
  void aStoppedRehearsalEndsItsStatementOnTheScratchDatabase(TestDatabase db) throws Exception {
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS, new Revision("a2", "a1",
        "    op.add_column('orders', sa.Column('flag', sa.Boolean()))\n"
            + "    op.execute('SELECT pg_sleep(600)')\n",
        "    op.drop_column('orders', 'flag')\n"));
    List<String> command = CliProcess.java();
    command.addAll(List.of("rehearse", "--project-dir", project.toString(), "--python",
        ExternalTools.python().toString(), "--database-url", CliProcess.url(db), "-o", "json"));
    Path log = work.resolve("rehearse.log");
    Process run = CliProcess.start(command, CliProcess.password(db), log);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> db.count(
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' "
            + "AND pid <> pg_backend_pid()") == 1);

    assertThat(new ProcessBuilder("kill", "-TERM", String.valueOf(run.pid())).start()
        .waitFor()).isZero();

    assertThat(run.waitFor(60, java.util.concurrent.TimeUnit.SECONDS))
        .as("stopped, not blocked behind the sleeping statement: " + Files.readString(log))
        .isTrue();
    String out = Files.readString(log);
    assertThat(run.exitValue()).as(out).isEqualTo(143);
    assertThat(out).contains("\"error\"", "Interrupted (SIGTERM)").doesNotContain(db.password());
    assertThat(db.count("SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
        + "'%pg_sleep(600)%' AND pid <> pg_backend_pid()")).isZero();
    assertThat(contents(db)).isEmpty();
  }

  @Test
  void aDowngradeThatDropsAnOlderConstraintLeavesItMissing(TestDatabase db) throws Exception {
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS, a2("""
            op.drop_index("ix_orders_currency", table_name="orders")
            op.drop_column("orders", "currency")
            op.drop_constraint("uq_orders_note", "orders")
        """));
    assertThat(rehearse(project, db)).as(printed()).isEqualTo(1);
    assertThat(last.stdout()).contains("after the downgrade of a2: index uq_orders_note "
        + "missing; constraint uq_orders_note on orders missing [a2]");
  }

  @Test
  void aFailingDowngradeIsReportedWithAlembicsErrorAndItsLine(TestDatabase db)
      throws Exception {
    Revision fails = a2("""
            op.drop_index("ix_orders_currency", table_name="orders")
            op.drop_table("no_such_table")
        """);
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS, fails);
    assertThat(rehearse(project, db)).as(printed()).isEqualTo(1);
    assertThat(last.stdout()).contains(VERSIONS + "a2_rev.py:"
        + fails.lineOf("no_such_table") + ": deny downgrade-failed: alembic downgrade a2@-1 "
        + "failed: ProgrammingError: (psycopg2.errors.UndefinedTable) table \"no_such_table\" "
        + "does not exist");
    assertThat(printed()).doesNotContain("Traceback");
    assertThat(contents(db)).isEmpty();
  }

  @Test
  void aFailingUpgradeIsReportedWithItsLine(TestDatabase db) throws Exception {
    Revision fails = new Revision("a2", "a1", """
            op.execute("SELECT 1")
            raise RuntimeError("the data does not fit")
        """, "    pass\n");
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS, fails);
    assertThat(rehearse(project, db, "-o", "json")).as(printed()).isEqualTo(1);
    JsonNode finding = JSON.readTree(last.stdout()).path("findings").get(0);
    assertThat(finding.path("rule").asText()).isEqualTo("upgrade-failed");
    assertThat(finding.path("revision").asText()).isEqualTo("a2");
    assertThat(finding.path("file").asText()).isEqualTo(VERSIONS + "a2_rev.py");
    assertThat(finding.path("line").asInt()).isEqualTo(fails.lineOf("RuntimeError"));
    assertThat(finding.path("message").asText()).isEqualTo("alembic upgrade a2 failed: "
        + "RuntimeError: the data does not fit");

    // Off: no finding and exit 0, but the rehearsal still cannot go on, and says why.
    assertThat(rehearse(project, db, "--rule", "upgrade-failed=off")).as(printed()).isZero();
    assertThat(last.stdout()).contains("    alembic upgrade a2 failed: RuntimeError: the data "
        + "does not fit (upgrade-failed is off)\n==> stopped at a2",
        "rehearse: 2 revisions checked: 0 deny, 0 warn, 0 waived");
  }

  @Test
  void fromSkipsTheRevisionsUpToItAndNoPasswordIsPrinted() throws Exception {
    String secret = "Reh-" + Long.toHexString(System.nanoTime()) + "-x";
    PostgresExtension.createPasswordRole("vectis_rehearse", secret);
    TestDatabase owned = PostgresExtension.newDatabase();
    owned.execute("ALTER DATABASE " + owned.name() + " OWNER TO vectis_rehearse");
    owned.execute("ALTER SCHEMA public OWNER TO vectis_rehearse");
    TestDatabase db = new TestDatabase(owned.host(), owned.port(), owned.name(),
        "vectis_rehearse", secret);
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS, a2("""
            op.drop_index("ix_orders_currency", table_name="orders")
            op.drop_column("orders", "currency")
        """), new Revision("a3", "a2", "    op.execute('SELECT 1')\n",
        "    op.drop_table('no_such_table')\n"));
    assertThat(rehearse(project, db, "--from", "a1", "-o", "json")).as(printed())
        .isEqualTo(1);
    assertThat(JSON.readTree(last.stdout()).path("checked").toString())
        .isEqualTo("[\"a2\",\"a3\"]");
    assertThat(last.stderr()).contains("==> rehearsing 2 revisions from a1 on");
    assertThat(JSON.readTree(last.stdout()).at("/findings/0/rule").asText())
        .isEqualTo("downgrade-failed");
    assertThat(printed()).doesNotContain(secret);
    assertThat(contents(owned)).isEmpty();
  }

  @Test
  void branchesAndAMergeAreRehearsedOneRevisionAtATime(TestDatabase db) throws Exception {
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS,
        new Revision("b1", "a1", "    op.create_table('audit', sa.Column('id', sa.BigInteger(),"
            + " primary_key=True))\n", "    op.drop_table('audit')\n", "audit"),
        new Revision("c1", "a1", "    op.add_column('orders', sa.Column('paid', sa.Boolean()))\n",
            "    op.drop_column('orders', 'paid')\n"),
        new Revision("m1", "b1,c1", "    pass\n", "    pass\n"),
        new Revision("d1", "m1", "    op.create_index('ix_paid', 'orders', ['paid'])\n",
            "    op.drop_index('ix_paid', table_name='orders')\n"));
    assertThat(rehearse(project, db, "-o", "json")).as(printed()).isZero();
    JsonNode report = JSON.readTree(last.stdout());
    List<String> checked = new ArrayList<>();
    report.path("checked").forEach(id -> checked.add(id.asText()));
    assertThat(checked).hasSize(5).startsWith("a1").endsWith("m1", "d1")
        .contains("b1", "c1");
    assertThat(report.path("findings")).isEmpty();
    assertThat(last.stderr()).contains("==> [4/5] m1");
  }

  @Test
  void jsonAndSarifCarryTheFindingWithSeveritiesFromSpecAndFlags(TestDatabase db) throws Exception {
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS, a2("""
            op.drop_column("orders", "currency")
            op.create_index("ix_orders_currency", "orders", ["note"])
        """));
    assertThat(rehearse(project, db, "-o", "json")).as(printed()).isEqualTo(1);
    JsonNode report = JSON.readTree(last.stdout());
    assertThat(report.path("checked").toString()).isEqualTo("[\"a1\",\"a2\"]");
    JsonNode finding = report.path("findings").get(0);
    assertThat(finding.path("rule").asText()).isEqualTo("roundtrip-mismatch");
    assertThat(finding.path("severity").asText()).isEqualTo("deny");
    assertThat(finding.path("file").asText()).isEqualTo(VERSIONS + "a2_rev.py");
    assertThat(finding.path("message").asText()).isEqualTo("after the downgrade of a2: index "
        + "ix_orders_currency still present");

    assertThat(rehearse(project, db, "-o", "sarif")).isEqualTo(1);
    JsonNode run = JSON.readTree(last.stdout()).path("runs").get(0);
    JsonNode result = run.path("results").get(0);
    assertThat(result.path("ruleId").asText()).isEqualTo("roundtrip-mismatch");
    assertThat(result.path("level").asText()).isEqualTo("error");
    assertThat(result.at("/locations/0/physicalLocation/artifactLocation/uri").asText())
        .isEqualTo(VERSIONS + "a2_rev.py");
    assertThat(run.at("/invocations/0/executionSuccessful").asBoolean()).isTrue();

    // A warned mismatch lets the rehearsal go on: here the upgrade after the downgrade then
    // fails on the index left behind, as it would after a rollback in production.
    assertThat(rehearse(project, db, "-o", "json", "--rule", "roundtrip-mismatch=warn"))
        .isEqualTo(1);
    assertThat(JSON.readTree(last.stdout()).at("/findings/0/severity").asText())
        .isEqualTo("warn");
    assertThat(JSON.readTree(last.stdout()).at("/findings/1/rule").asText())
        .isEqualTo("upgrade-failed");

    // The SchemaMigration's policy sets the severity; a --rule flag overrides it.
    Path resource = work.resolve("smig.yaml");
    Files.writeString(resource, """
        apiVersion: migrations.vectis.dev/v1alpha1
        kind: SchemaMigration
        metadata: {name: shop, namespace: shop}
        spec:
          image: registry.example.com/shop:1
          alembic: {workingDir: /db}
          database: {secretRef: {name: shop-db}}
          policy: {rules: {roundtrip-mismatch: warn, upgrade-failed: warn}}
        """);
    assertThat(rehearse(project, db, "-f", resource.toString(), "-o", "json")).as(printed())
        .isZero();
    assertThat(JSON.readTree(last.stdout()).at("/findings/0/severity").asText())
        .isEqualTo("warn");
    assertThat(rehearse(project, db, "-f", resource.toString(), "--rule",
        "roundtrip-mismatch=deny")).isEqualTo(1);
  }

  @Test
  void aScratchDatabaseThatIsNotEmptyIsRefusedAndLeftAlone(TestDatabase db) throws Exception {
    db.execute("CREATE TABLE customers (id bigint)");
    db.execute("INSERT INTO customers VALUES (1)");
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS);
    assertThat(rehearse(project, db)).isEqualTo(2);
    assertThat(last.stderr().strip()).startsWith("rehearse: --database-url: ")
        .contains("is not empty (it holds 1 table)").doesNotContain("\n");
    assertThat(db.count("SELECT count(*) FROM customers")).isEqualTo(1);
    assertThat(db.tableExists("orders")).isFalse();
  }

  @Test
  void badFlagsAreOneLineAndExitTwo(TestDatabase db) throws Exception {
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS);
    assertThat(rehearse(project, db, "--to", "zz")).isEqualTo(2);
    assertThat(last.stderr().strip()).isEqualTo("rehearse: --to zz: Can't locate revision "
        + "identified by 'zz'");
    assertThat(rehearse(project, db, "--from-dump", work.resolve("none.dump").toString()))
        .isEqualTo(2);
    assertThat(last.stderr().strip()).isEqualTo("rehearse: --from-dump "
        + work.resolve("none.dump") + ": no such file");
    assertThat(rehearse(project, db, "--rule", "roundtrip-mismatch=loud")).isEqualTo(2);
    assertThat(last.stderr()).contains("--rule: roundtrip-mismatch must be deny, warn or off");
  }

  @Test
  void aDumpWithRowsCatchesWhatAnEmptyDatabaseLetsThrough(TestDatabase db) throws Exception {
    Revision notNullWithoutDefault = new Revision("a2", "a1", """
            op.add_column("orders", sa.Column("currency", sa.String(3), nullable=False))
        """, "    op.drop_column('orders', 'currency')\n");
    Revision uniqueOverDuplicates = new Revision("a3", "a2", "    pass\n", "    pass\n");
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS, notNullWithoutDefault,
        uniqueOverDuplicates);
    assertThat(rehearse(project, db)).as("on an empty database: " + printed()).isZero();

    Path dump = dumpAtA1WithRows(project, "INSERT INTO orders (id, note) VALUES (1, 'a')");
    TestDatabase scratch = PostgresExtension.newDatabase();
    assertThat(rehearse(project, scratch, "--from-dump", dump.toString())).as(printed())
        .isEqualTo(1);
    assertThat(last.stdout()).contains("==> rehearsing 2 revisions from a1",
        VERSIONS + "a2_rev.py:" + notNullWithoutDefault.lineOf("add_column")
            + ": deny upgrade-failed: alembic upgrade a2 failed: IntegrityError: "
            + "(psycopg2.errors.NotNullViolation) column \"currency\" of relation \"orders\" "
            + "contains null values");
    assertThat(contents(scratch)).as("the restored copy is dropped again").isEmpty();
  }

  @Test
  void aDumpWithDuplicatesCatchesAUniqueIndex(TestDatabase db) throws Exception {
    Revision base = new Revision("a1", null, """
            op.create_table("orders", sa.Column("id", sa.BigInteger(), primary_key=True),
                            sa.Column("email", sa.Text()))
        """, "    op.drop_table('orders')\n");
    Revision unique = new Revision("a2", "a1", """
            op.create_index("ix_orders_email", "orders", ["email"], unique=True)
        """, "    op.drop_index('ix_orders_email', table_name='orders')\n");
    Path project = RehearseProjects.write(work.resolve("p"), base, unique);
    Path dump = dumpAtA1WithRows(project,
        "INSERT INTO orders VALUES (1, 'x@example.com'), (2, 'x@example.com')");
    assertThat(rehearse(project, db, "--from-dump", dump.toString())).as(printed())
        .isEqualTo(1);
    assertThat(last.stdout()).contains("deny upgrade-failed: alembic upgrade a2 failed: "
        + "IntegrityError: (psycopg2.errors.UniqueViolation) could not create unique index "
        + "\"ix_orders_email\"");
  }

  /** A pg_dump -Fc of a database at a1 holding the rows {@code insert} adds. */
  private Path dumpAtA1WithRows(Path project, String insert) throws Exception {
    TestDatabase source = PostgresExtension.newDatabase();
    ProcessRunner.Result upgraded = ProcessRunner.run(project.resolve("db"),
        Map.of("DATABASE_URL", source.sqlAlchemyUrl(), "PYTHONDONTWRITEBYTECODE", "1"),
        Duration.ofMinutes(1), List.of(ExternalTools.alembic().toString(), "upgrade", "a1"));
    assertThat(upgraded.exitCode()).as(upgraded.output()).isZero();
    source.execute(insert);
    Path dump = work.resolve("a1.dump");
    ProcessRunner.Result dumped = ProcessRunner.run(work, Map.of("PGPASSWORD",
        source.password()), Duration.ofMinutes(1), List.of(ExternalTools.pgDump().toString(),
        "-Fc", "-h", source.host(), "-p", Integer.toString(source.port()), "-U", source.user(),
        "-d", source.name(), "-f", dump.toString()));
    assertThat(dumped.exitCode()).as(dumped.output()).isZero();
    return dump;
  }
}
