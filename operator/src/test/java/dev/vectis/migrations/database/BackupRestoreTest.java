package dev.vectis.migrations.database;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.alembic;
import static dev.vectis.migrations.testing.VectisProject.seed;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vectis.migrations.local.LocalBackup;
import dev.vectis.migrations.local.LocalRestore;
import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup script with the real pg_dump, and the restore of docs/restore.md after a real
 * {@code alembic downgrade base}.
 */
@ExtendWith(PostgresExtension.class)
class BackupRestoreTest {
  private static final Duration TIMEOUT = Backups.TIMEOUT;

  @Test
  void backupDowngradeToBaseAndRestoreBringsTheDataBack(TestDatabase db, @TempDir Path volume)
      throws Exception {
    alembic(db, "upgrade", "head");
    seed(db);
    db.execute("INSERT INTO orders (channel_id, user_id, total, currency) "
        + "SELECT c.id, u.id, n * 10.25, 'EUR' FROM channels c, users u, generate_series(1, 40) n");
    db.execute("INSERT INTO loyalty_points (user_id, points, reason) "
        + "SELECT id, 150, 'welcome' FROM users");
    db.execute("INSERT INTO exchange_rates (base_currency, target_currency, rate, effective_from)"
        + " VALUES ('EUR', 'USD', 1.08312345, now()), ('USD', 'EUR', 0.92330000, now())");
    Map<String, String> before = snapshot(db);

    Path directory = Backups.directory(volume, db);
    BackupScript.Result backup = Backups.backup(db, volume, List.of(HEAD), 5);

    Path dump = Path.of(backup.path());
    assertThat(dump.getParent()).isEqualTo(directory);
    assertThat(dump.getFileName().toString()).matches("\\d{8}T\\d{6}Z-" + HEAD + "\\.dump");
    assertThat(backup.sizeBytes()).isEqualTo(Files.size(dump)).isGreaterThan(1000);
    assertThat(backup.sha256()).isEqualTo(sha256(dump));
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(files).as("the dump and its metadata, no temporary file")
          .containsExactlyInAnyOrder(dump, BackupScript.metadataPath(dump));
    }
    BackupScript.Metadata metadata = BackupScript.readMetadata(dump).orElseThrow();
    assertThat(metadata.database()).isEqualTo(DatabaseIdentity.of(db.settings()));
    assertThat(metadata.key()).isEqualTo(directory.getFileName().toString());
    assertThat(metadata.namespace() + "/" + metadata.name()).isEqualTo("shop/vectis-backend");
    assertThat(metadata.rows()).containsExactly(HEAD);
    assertThat(metadata.image()).isEqualTo("registry.example.com/vectis/backend:1.14.0");
    assertThat(metadata.versionTable()).isEqualTo("alembic_version");
    assertThat(metadata.sizeBytes()).isEqualTo(backup.sizeBytes());
    assertThat(metadata.sha256()).isEqualTo(backup.sha256());
    assertThat(metadata.pgDumpVersion()).startsWith("pg_dump (PostgreSQL) ");
    assertThat(metadata.toolVersion()).isNotBlank();
    assertThat(java.time.Instant.parse(metadata.createdAt())).isBefore(java.time.Instant.now());
    assertThat(Files.getPosixFilePermissions(dump)).as("0600")
        .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

    alembic(db, "downgrade", "base");
    assertThat(versionRows(db)).isEmpty();
    assertThat(db.tableExists("orders")).isFalse();

    // docs/restore.md, "Restore into the same database"
    restore(db, dump);

    assertThat(snapshot(db)).isEqualTo(before);
    assertThat(versionRows(db)).containsExactly(HEAD);
  }

  @Test
  void aTruncatedOrCorruptedDumpFailsVerification(TestDatabase db, @TempDir Path volume)
      throws IOException {
    alembic(db, "upgrade", "head");
    Path dump = Path.of(Backups.backup(db, volume, List.of(HEAD), 5).path());
    assertThat(LocalBackup.verify(dump, ExternalTools.pgDump()).succeeded()).isTrue();

    byte[] bytes = Files.readAllBytes(dump);
    Path truncated = volume.resolve("truncated.dump");
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 3));
    ProcessRunner.Result result = LocalBackup.verify(truncated, ExternalTools.pgDump());
    assertThat(result.succeeded()).isFalse();
    assertThat(result.output()).contains("backup: verification failed");

    Path corrupted = volume.resolve("corrupted.dump");
    byte[] damaged = bytes.clone();
    for (int i = 0; i < 64; i++) {
      damaged[i] = (byte) 0x5a;
    }
    Files.write(corrupted, damaged);
    assertThat(LocalBackup.verify(corrupted, ExternalTools.pgDump()).succeeded()).isFalse();
  }

  @Test
  void retentionKeepsExactlyRetainDumpsAndTheNewest(TestDatabase db, @TempDir Path volume)
      throws IOException {
    alembic(db, "upgrade", "a3e2f1b8c9d4");
    Path directory = Backups.directory(volume, db);
    Files.createDirectories(directory);
    Files.writeString(directory.resolve("notes.txt"), "not a dump: left alone");
    HashSet<String> written = new HashSet<>();
    String newest = null;
    for (int i = 0; i < 4; i++) {
      newest = Backups.backup(db, volume, List.of("a3e2f1b8c9d4"), 2).path();
      assertThat(written.add(newest)).as("every backup has its own name").isTrue();
    }
    try (Stream<Path> files = Files.list(directory)) {
      List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
      String file = Path.of(newest).getFileName().toString();
      assertThat(names).hasSize(5).contains("notes.txt", file, file + ".json");
    }
  }

  @Test
  void aFailingDumpReportsAMaskedErrorAndLeavesNothing(TestDatabase db, @TempDir Path volume)
      throws IOException {
    ConnectionSettings wrong = new ConnectionSettings("localhost", db.port(), "no_such_db",
        "postgres", "very-secret-pw", db.settings().sslMode());
    Path directory = Backups.directory(volume, db);
    DatabaseIdentity identity = DatabaseIdentity.of(wrong);
    BackupScript.Origin origin = new BackupScript.Origin(identity, identity.key(), "shop",
        "vectis-backend", List.of(), null, "alembic_version", null);
    assertThatThrownBy(() -> LocalBackup.backup(wrong, directory, origin, "3",
        ExternalTools.pgDump(), TIMEOUT))
        .isInstanceOf(LocalBackup.BackupFailed.class)
        .hasMessageContaining("no_such_db")
        .message().doesNotContain("very-secret-pw");
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(files).isEmpty();
    }
  }

  private static void restore(TestDatabase db, Path dump) {
    ProcessRunner.Result result = LocalRestore.restore(
        ExternalTools.pgDump().resolveSibling("pg_restore"), db.settings(), dump);
    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  private static Map<String, String> snapshot(TestDatabase db) throws SQLException {
    Map<String, String> values = new HashMap<>();
    for (String table : List.of("channels", "roles", "permissions", "role_permissions", "users",
        "orders", "loyalty_points", "exchange_rates", "audit_log")) {
      values.put(table, db.column("SELECT count(*) FROM " + table).get(0));
    }
    values.put("orders.total", db.column("SELECT sum(total) FROM orders").get(0));
    values.put("orders.currency", db.column(
        "SELECT string_agg(DISTINCT currency, ',') FROM orders").get(0));
    values.put("loyalty.points", db.column("SELECT sum(points) FROM loyalty_points").get(0));
    values.put("rates", db.column("SELECT string_agg(rate::text, ',' ORDER BY base_currency) "
        + "FROM exchange_rates").get(0));
    return values;
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
