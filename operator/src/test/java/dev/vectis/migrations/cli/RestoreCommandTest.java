package dev.vectis.migrations.cli;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.alembic;
import static dev.vectis.migrations.testing.VectisProject.seed;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.database.AdvisoryLock;
import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.database.Backups;
import dev.vectis.migrations.database.DatabaseIdentity;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code restore} with the real pg_dump, pg_restore and PostgreSQL: it restores only into the
 * database the dump came from (unless told), only after confirmation, under the migration
 * lock, after a safety dump, and says where the database ends up.
 */
@ExtendWith(PostgresExtension.class)
class RestoreCommandTest {
  private static final Path PSQL = Path.of("/usr/lib/postgresql/15/bin/psql");

  @TempDir Path work;
  private Path root;
  private TestDatabase db;
  private Path dump;

  /** The database at head with data, its verified backup, then a downgrade to base. */
  @BeforeEach
  void backedUpThenDowngraded(TestDatabase database) throws Exception {
    db = database;
    root = work.resolve("backups");
    alembic(db, "upgrade", "head");
    seed(db);
    db.execute("INSERT INTO exchange_rates (base_currency, target_currency, rate, "
        + "effective_from) VALUES ('EUR', 'USD', 1.08, now())");
    dump = Path.of(Backups.backup(db, root, List.of(HEAD), 5).path());
    alembic(db, "downgrade", "base");
    assertThat(versionRows(db)).isEmpty();
  }

  private static String url(TestDatabase target) {
    // No password: the test server trusts local connections, and a password in a URL warns.
    return "postgresql://" + target.user() + "@localhost:" + target.port() + "/"
        + target.name() + "?sslmode=disable";
  }

  private CapturedRun restore(TestDatabase target, Path pgRestore, String... more) {
    List<String> args = new ArrayList<>(List.of("restore", "--dump", dump.toString(),
        "--database-url", url(target), "--backup-dir", root.toString(), "--pg-restore",
        pgRestore.toString()));
    args.addAll(List.of(more));
    return CapturedRun.of("", args.toArray(String[]::new));
  }

  private CapturedRun restore(TestDatabase target, String... more) {
    return restore(target, ExternalTools.pgDump().resolveSibling("pg_restore"), more);
  }

  private Path directoryOf(TestDatabase target) {
    return root.resolve(DatabaseIdentity.of(target.settings()).key());
  }

  @Test
  void restoresUnderTheLockAfterASafetyDumpAndPrintsTheRevision() throws Exception {
    // A pg_restore that first records which advisory locks are held, then runs the real one.
    Path tools = Files.createDirectories(work.resolve("tools"));
    Path locks = work.resolve("locks.txt");
    Path pgRestore = tools.resolve("pg_restore");
    Files.writeString(pgRestore, "#!/bin/sh\n" + PSQL + " -XAtc \"SELECT (classid::bigint << 32)"
        + " | objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted\" > '"
        + locks + "' || exit 1\nexec " + ExternalTools.PG_RESTORE + " \"$@\"\n");
    Files.setPosixFilePermissions(pgRestore, PosixFilePermissions.fromString("rwx------"));
    Files.createSymbolicLink(tools.resolve("pg_dump"), ExternalTools.PG_DUMP);

    CapturedRun run = restore(db, pgRestore, "--yes");

    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(db.count("SELECT count(*) FROM exchange_rates")).isEqualTo(1);
    assertThat(run.stdout()).contains("==> the database is now at " + HEAD);
    assertThat(Files.readString(locks).strip()).as("the migration lock, held during pg_restore")
        .isEqualTo(Long.toString(AdvisoryLock.forVersionTable(db.name(), "public",
            "alembic_version").key()));

    List<BackupScript.Dump> dumps = BackupScript.dumpsOf(directoryOf(db),
        directoryOf(db).getFileName().toString());
    assertThat(dumps).extracting(BackupScript.Dump::path).contains(dump).hasSize(2);
    BackupScript.Dump safety = dumps.stream().filter(d -> !d.path().equals(dump)).findFirst()
        .orElseThrow();
    assertThat(safety.metadata().rows()).as("the database as it was before the restore")
        .isEmpty();
    assertThat(run.stdout()).contains("==> safety dump of " + DatabaseIdentity.of(db.settings())
        .describe() + " (at base): " + safety.path());
    assertThat(run.stdout() + run.stderr()).doesNotContain(":" + db.password() + "@");
  }

  @Test
  void aDumpOfAnotherDatabaseIsRefusedUnlessAllowed() throws Exception {
    TestDatabase other = PostgresExtension.newDatabase();
    CapturedRun run = restore(other, "--yes");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr().strip()).contains(
        "is a dump of " + DatabaseIdentity.of(db.settings()).describe(),
        "not of " + DatabaseIdentity.of(other.settings()).describe(),
        "--allow-other-database").doesNotContain("\n", "Exception");
    assertThat(other.tableExists("orders")).isFalse();
    assertThat(directoryOf(other)).as("no safety dump either").doesNotExist();

    run = restore(other, "--yes", "--allow-other-database");
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    assertThat(versionRows(other)).containsExactly(HEAD);
  }

  @Test
  void aDumpWithoutMetadataOrNotMatchingItIsRefused() throws Exception {
    Path bare = Files.copy(dump, work.resolve(dump.getFileName()));
    CapturedRun run = CapturedRun.of("", "restore", "--dump", bare.toString(),
        "--database-url", url(db), "--backup-dir", root.toString(), "--yes");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr()).contains("has no metadata", "--allow-other-database");

    Files.copy(BackupScript.metadataPath(dump), BackupScript.metadataPath(bare));
    Files.write(bare, new byte[] {0}, StandardOpenOption.APPEND);
    run = CapturedRun.of("", "restore", "--dump", bare.toString(), "--database-url", url(db),
        "--backup-dir", root.toString(), "--yes");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr()).contains("does not match its metadata");
    assertThat(versionRows(db)).as("nothing changed").isEmpty();
    assertThat(db.tableExists("orders")).isFalse();
  }

  @Test
  void withoutAConsoleItAsksForYes() throws Exception {
    CapturedRun run = restore(db);
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr().strip()).isEqualTo(
        "restore: no console to confirm on; pass --yes to restore without asking");
    assertThat(versionRows(db)).isEmpty();
    assertThat(db.tableExists("orders")).isFalse();
  }

  @Test
  void whileAnotherHoldsTheMigrationLockNothingChanges() throws Exception {
    try (Connection holder = db.connect()) {
      assertThat(AdvisoryLock.forVersionTable(db.name(), "public", "alembic_version")
          .tryLock(holder)).isTrue();
      int pid;
      try (Statement statement = holder.createStatement();
          ResultSet result = statement.executeQuery("SELECT pg_backend_pid()")) {
        result.next();
        pid = result.getInt(1);
      }
      CapturedRun run = restore(db, "--yes");
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.stderr()).contains("the migration lock of", "is held by pid " + pid,
          "nothing was changed");
    }
    assertThat(versionRows(db)).isEmpty();
    assertThat(db.tableExists("orders")).isFalse();
    assertThat(BackupScript.dumpsOf(directoryOf(db), directoryOf(db).getFileName().toString()))
        .as("no safety dump taken").extracting(BackupScript.Dump::path).containsExactly(dump);
  }
}
