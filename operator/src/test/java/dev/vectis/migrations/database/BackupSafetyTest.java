package dev.vectis.migrations.database;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.alembic;
import static dev.vectis.migrations.testing.VectisProject.seed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vectis.migrations.local.LocalBackup;
import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.PostgresServer;
import dev.vectis.migrations.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a backup must never do, with the real pg_dump and pg_restore: trust a damaged archive,
 * leave a killed run's file under a trusted name, write through a symlink, or let one
 * database's backups rotate out another's.
 */
@ExtendWith(PostgresExtension.class)
class BackupSafetyTest {
  @TempDir Path work;

  /** A database whose dump has data blocks well past its table of contents. */
  private static TestDatabase populated(TestDatabase db) throws Exception {
    alembic(db, "upgrade", "head");
    seed(db);
    db.execute("CREATE TABLE filler AS SELECT n, md5(n::text) AS h FROM generate_series(1, 50000) n");
    return db;
  }

  /**
   * A pg_dump that exits 0 after damaging the archive it wrote: {@code damage} is shell code
   * run with {@code $f} the archive and {@code $size} its size.
   */
  private Path fakePgDump(String name, String damage) throws IOException {
    Path dir = Files.createDirectories(work.resolve(name));
    Path fake = dir.resolve("pg_dump");
    Files.writeString(fake, "#!/bin/sh\n"
        + "if [ \"$1\" = --version ]; then exec " + ExternalTools.PG_DUMP + " --version; fi\n"
        + "for a in \"$@\"; do case \"$a\" in --file=*) f=\"${a#--file=}\" ;; esac; done\n"
        + ExternalTools.PG_DUMP + " \"$@\" || exit $?\n"
        + "size=$(wc -c < \"$f\")\n"
        + damage + "\n"
        + "exit 0\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    Files.createSymbolicLink(dir.resolve("pg_restore"), ExternalTools.PG_RESTORE);
    return fake;
  }

  @Test
  void aPgDumpThatExitsZeroWithATruncatedArchiveLeavesNoTrustedFile(TestDatabase db)
      throws Exception {
    populated(db);
    Path fake = fakePgDump("truncating", "truncate -s $((size * 2 / 3)) \"$f\"");
    assertDamagedDumpIsRefused(db, fake, "end of file");
  }

  @Test
  void aPgDumpThatExitsZeroWithACorruptedArchiveLeavesNoTrustedFile(TestDatabase db)
      throws Exception {
    populated(db);
    // 64 bytes three quarters in: inside the compressed data, past the table of contents.
    Path fake = fakePgDump("corrupting", "printf '%064d' 0 | dd of=\"$f\" bs=1 "
        + "seek=$((size * 3 / 4)) conv=notrunc 2>/dev/null");
    assertDamagedDumpIsRefused(db, fake, "pg_restore");
  }

  /**
   * pg_dump cannot dump a server of a newer major: the script asks the server its version
   * first and stops in one line naming both, before it writes anything or runs pg_dump.
   * (PostgresMatrixTest does the same with the real pg_dump against PostgreSQL 16 and 17.)
   */
  @Test
  void aPgDumpOlderThanTheServerIsRefusedBeforeItRuns() throws Exception {
    // Not the superuser: its password, "postgres", would be masked out of the message.
    TestDatabase db = PostgresServer.of(PostgresServer.DEFAULT_MAJOR)
        .newDatabaseOwnedBy("backup_owner", "owner-pw");
    Path dir = Files.createDirectories(work.resolve("old-client"));
    Path ran = work.resolve("pg_dump-ran");
    Path fake = dir.resolve("pg_dump");
    Files.writeString(fake, "#!/bin/sh\n"
        + "if [ \"$1\" = --version ]; then echo 'pg_dump (PostgreSQL) 14.9'; exit 0; fi\n"
        + "touch '" + ran + "'\nexec " + ExternalTools.PG_DUMP + " \"$@\"\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    Files.createSymbolicLink(dir.resolve("pg_restore"), ExternalTools.PG_RESTORE);
    Path directory = Backups.directory(work.resolve("backups"), db);

    assertThatThrownBy(() -> LocalBackup.backup(db.settings(), directory,
        Backups.origin(db, List.of(HEAD)), "5", fake, Backups.TIMEOUT))
        .isInstanceOf(LocalBackup.BackupFailed.class)
        .hasMessageMatching("backup failed \\(exit " + BackupScript.PG_DUMP_TOO_OLD_EXIT
            + "\\): backup: pg_dump 14\\.9 cannot dump a PostgreSQL 15 server \\(15\\.[0-9]+\\): "
            + "use pg_dump 15 or newer \\(install postgresql-client-15 and pass --pg-dump in "
            + "local mode, or set spec.backup.image to postgres:15-alpine\\); nothing was dumped");
    assertThat(ran).as("pg_dump never dumped").doesNotExist();
    assertThat(directory).as("nothing written").doesNotExist();
  }

  private void assertDamagedDumpIsRefused(TestDatabase db, Path fakePgDump, String why)
      throws Exception {
    Path root = work.resolve("backups");
    Path directory = Backups.directory(root, db);
    assertThatThrownBy(() -> LocalBackup.backup(db.settings(), directory,
        Backups.origin(db, List.of(HEAD)), "5", fakePgDump, Backups.TIMEOUT))
        .isInstanceOf(LocalBackup.BackupFailed.class)
        .hasMessageContaining("verification failed")
        .hasMessageContaining(why);
    assertThat(names(directory)).as("nothing under a trusted name, no temporary file")
        .isEmpty();

    // The damage is one the table of contents does not show: --list alone would trust it.
    Path copy = work.resolve("damaged.dump");
    ProcessRunner.Result dumped = ProcessRunner.run(work, db.settings().libpqEnvironment(),
        Backups.TIMEOUT, List.of(fakePgDump.toString(), "--format=custom",
            "--file=" + copy));
    assertThat(dumped.exitCode()).as(dumped.output()).isZero();
    assertThat(ProcessRunner.run(work, Map.of(), Backups.TIMEOUT, List.of(
        ExternalTools.PG_RESTORE.toString(), "--list", copy.toString())).exitCode())
        .as("pg_restore --list reads the damaged archive").isZero();
  }

  @Test
  void aBackupKilledMidDumpLeavesNoTrustedFileAndTheNextRunRemovesItsTemporaryFile(
      TestDatabase db) throws Exception {
    populated(db);
    Path marker = work.resolve("dumping");
    // pg_dump has written the archive and is still running when the group is killed.
    Path slow = fakePgDump("slow", "touch '" + marker + "'\nsleep 120");
    Path root = work.resolve("backups");
    Path directory = Backups.directory(root, db);
    Map<String, String> env = new HashMap<>(db.settings().libpqEnvironment());
    env.put("PGPASSWORD", db.password());
    env.put("PG_DUMP", slow.toString());
    env.put("PG_RESTORE", ExternalTools.PG_RESTORE.toString());
    env.putAll(BackupScript.environment(directory.toString(), Backups.origin(db, List.of(HEAD)),
        "5"));
    List<String> command = new java.util.ArrayList<>(List.of("setsid"));
    command.addAll(BackupScript.backupCommand());
    ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
        .redirectErrorStream(true).redirectOutput(work.resolve("backup.log").toFile());
    builder.environment().putAll(env);
    Process backup = builder.start();
    Instant deadline = Instant.now().plusSeconds(120);
    while (!Files.exists(marker) && backup.isAlive() && Instant.now().isBefore(deadline)) {
      Thread.sleep(50);
    }
    assertThat(marker).as(Files.readString(work.resolve("backup.log"))).exists();
    // The whole process group, as a node or the kubelet would: no trap runs.
    Process kill = new ProcessBuilder("kill", "-KILL", "--", "-" + backup.pid()).start();
    assertThat(kill.waitFor()).isZero();
    assertThat(backup.waitFor(30, TimeUnit.SECONDS)).isTrue();

    List<String> left = names(directory);
    assertThat(left).as("no file under a trusted name").noneMatch(name -> name.endsWith(".dump")
        || name.endsWith(".json"));
    assertThat(left).as("the killed run's temporary file").singleElement()
        .asString().matches("\\.backup\\.[A-Za-z0-9]{8}");
    Path leftover = directory.resolve(left.get(0));
    assertThat(Files.getPosixFilePermissions(leftover)).as("0600").containsExactlyInAnyOrder(
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    BackupScript.Result next = Backups.backup(db, root, List.of(HEAD), 5);
    String file = Path.of(next.path()).getFileName().toString();
    assertThat(names(directory)).as("the next run removed the leftover")
        .containsExactlyInAnyOrder(file, file + ".json");
  }

  @Test
  void aSymlinkedBackupDirectoryIsRefused(TestDatabase db) throws Exception {
    alembic(db, "upgrade", "head");
    Path elsewhere = Files.createDirectories(work.resolve("elsewhere"));
    Path root = Files.createDirectories(work.resolve("backups"));
    Path directory = Backups.directory(root, db);
    Files.createSymbolicLink(directory, elsewhere);
    Map<String, String> env = new HashMap<>(db.settings().libpqEnvironment());
    env.put("PG_DUMP", ExternalTools.PG_DUMP.toString());
    env.put("PG_RESTORE", ExternalTools.PG_RESTORE.toString());
    env.putAll(BackupScript.environment(directory.toString(), Backups.origin(db, List.of(HEAD)),
        "5"));
    // The script itself refuses (the backup Job runs it without LocalBackup's check).
    ProcessRunner.Result result = ProcessRunner.run(work, env, Backups.TIMEOUT,
        BackupScript.backupCommand());
    assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
    assertThat(result.output()).contains("is a symbolic link");
    assertThatThrownBy(() -> Backups.backup(db, root, List.of(HEAD), 5))
        .isInstanceOf(LocalBackup.BackupFailed.class).hasMessageContaining("symbolic link");
    assertThat(names(elsewhere)).isEmpty();
  }

  @Test
  void retentionCountsOnlyThisDatabasesDumpsAndFollowsNoSymlink(TestDatabase a)
      throws Exception {
    TestDatabase b = PostgresExtension.newDatabase();
    alembic(a, "upgrade", "head");
    alembic(b, "upgrade", "a3e2f1b8c9d4");
    Path root = work.resolve("backups");
    Path first = Path.of(Backups.backup(a, root, List.of(HEAD), 1).path());
    Path ofB = Path.of(Backups.backup(b, root, List.of("a3e2f1b8c9d4"), 1).path());
    assertThat(first).as("the same resource, another database: not rotated out").exists();
    assertThat(ofB.getParent()).isNotEqualTo(first.getParent());

    Path dirA = Backups.directory(root, a);
    // Files of our name pattern that are not this database's dumps: never removed.
    Path outside = Files.writeString(work.resolve("outside.dump"), "not ours");
    Path link = Files.createSymbolicLink(dirA.resolve("20000101T000000Z-link.dump"), outside);
    Files.writeString(dirA.resolve("20000101T000000Z-link.dump.json"),
        Files.readString(BackupScript.metadataPath(first)));
    Path bare = Files.writeString(dirA.resolve("20000101T000001Z-bare.dump"), "no metadata");
    Path foreign = Files.copy(ofB, dirA.resolve("20000101T000002Z-foreign.dump"));
    Files.copy(BackupScript.metadataPath(ofB), BackupScript.metadataPath(foreign));

    BackupScript.Result taken = Backups.backup(a, root, List.of(HEAD), 1);
    Path second = Path.of(taken.path());
    assertThat(first).as("retain 1: the older dump of this database goes").doesNotExist();
    assertThat(taken.removed()).as("and is named").containsExactly(first.getFileName()
        .toString());
    assertThat(BackupScript.metadataPath(first)).doesNotExist();
    assertThat(second).exists();
    assertThat(ofB).exists();
    assertThat(link).isSymbolicLink();
    assertThat(outside).hasContent("not ours");
    assertThat(bare).exists();
    assertThat(foreign).exists();
    assertThat(BackupScript.dumpsOf(dirA, dirA.getFileName().toString()))
        .extracting(BackupScript.Dump::path).containsExactly(second);
  }

  private static List<String> names(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
