package dev.vectis.migrations.cli;

import dev.vectis.migrations.database.AdvisoryLock;
import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.database.DatabaseIdentity;
import dev.vectis.migrations.database.DatabaseProblem;
import dev.vectis.migrations.database.VersionTableReader;
import dev.vectis.migrations.local.EmbeddedDatabase;
import dev.vectis.migrations.local.Interruption;
import dev.vectis.migrations.local.LocalBackup;
import dev.vectis.migrations.local.LocalRestore;
import dev.vectis.migrations.local.ProcessRunner;
import java.io.Console;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Restores a backup taken by migrate into the database it was taken from, as "
        + "docs/restore.md describes (pg_restore --clean --if-exists --single-transaction): "
        + "checks the dump against its metadata (sha256, database), asks for confirmation, "
        + "takes the migration lock and a safety dump of the database first, and prints the "
        + "revision the database is at afterwards.",
        "Exit 0: restored; 1: not restored (lock held, safety dump or pg_restore failed, not "
            + "confirmed); 2: bad input (no such dump, damaged, of another database); 130 "
            + "(Ctrl-C) or 143 (SIGTERM) after the confirmation: interrupted, nothing restored "
            + "(one line says where the database is)."})
final class RestoreCommand implements Callable<Integer> {
  private static final Duration SAFETY_DUMP_TIMEOUT = Duration.ofHours(1);

  @Option(names = "--dump", required = true, paramLabel = "FILE", description = "The dump.")
  Path dump;

  @Option(names = "--database-url", paramLabel = "URL",
      description = "postgresql://user@host:port/db; default: the embedded PostgreSQL in "
          + "--data-dir. The password comes from --password-file, PGPASSWORD or ~/.pgpass.")
  String databaseUrl;

  @Option(names = "--password-file", paramLabel = "FILE",
      description = "A file whose first line is the database password.")
  Path passwordFile;

  @Option(names = "--data-dir", defaultValue = ".schema-migration/pg", paramLabel = "DIR",
      description = "Data of the embedded PostgreSQL (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--backup-dir", defaultValue = ".schema-migration/backups", paramLabel = "DIR",
      description = "Where the safety dump goes: DIR/<database key>/ (default: "
          + "${DEFAULT-VALUE}).")
  Path backupDir;

  @Option(names = "--pg-restore", paramLabel = "PATH", defaultValue = "pg_restore",
      description = "pg_restore (default: the one on PATH); pg_dump, for the safety dump, is "
          + "taken from the same directory.")
  Path pgRestore;

  @Option(names = "--yes", description = "Do not ask for confirmation.")
  boolean yes;

  @Option(names = "--allow-other-database", description = "Restore a dump of another database "
      + "(or one without metadata) into this one.")
  boolean allowOtherDatabase;

  @Override
  public Integer call() throws IOException {
    if (!Files.isRegularFile(dump)) {
      return usage("--dump " + dump + ": no such file");
    }
    Optional<BackupScript.Metadata> metadata;
    try {
      metadata = BackupScript.readMetadata(dump);
    } catch (IOException e) {
      return usage(e.getMessage());
    }
    if (metadata.isEmpty() && !allowOtherDatabase) {
      return usage(dump + " has no metadata (" + BackupScript.metadataPath(dump).getFileName()
          + "), so which database it came from is unknown; pass --allow-other-database to "
          + "restore it anyway");
    }
    if (metadata.isPresent()) {
      // The metadata's sha256 is of the verified dump: anything else is damaged or replaced.
      String sha256 = LocalRestore.sha256(dump);
      if (!sha256.equals(metadata.get().sha256())) {
        return usage(dump + " does not match its metadata (sha256 " + sha256 + ", recorded "
            + metadata.get().sha256() + "): damaged or replaced; nothing was changed");
      }
    }
    ConnectionSettings settings;
    EmbeddedDatabase embedded = null;
    if (databaseUrl != null) {
      try {
        settings = LocalOptions.urlSettings(databaseUrl, passwordFile);
      } catch (ResourceFile.InvalidInput e) {
        return usage(e.getMessage());
      }
    } else {
      embedded = EmbeddedDatabase.start(dataDir.toAbsolutePath());
      settings = embedded.settings();
    }
    try {
      return restore(settings, embedded != null, metadata);
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  private int restore(ConnectionSettings settings, boolean embedded,
      Optional<BackupScript.Metadata> metadata) {
    String key = LocalBackup.key(settings, embedded ? dataDir : null);
    String target = DatabaseIdentity.of(settings).describe()
        + (embedded ? " (the embedded PostgreSQL in " + dataDir + ")" : "");
    String source = metadata.map(m -> m.database().describe() + " at " + m.revision()
        + ", taken " + m.createdAt()).orElse("database unknown");
    if (metadata.isPresent() && !metadata.get().key().equals(key) && !allowOtherDatabase) {
      return usage(dump + " is a dump of " + metadata.get().database().describe() + " (key "
          + metadata.get().key() + "), not of " + target + " (key " + key + "); pass "
          + "--allow-other-database to restore it there anyway");
    }
    if (!yes) {
      Console console = System.console();
      if (console == null) {
        return usage("no console to confirm on; pass --yes to restore without asking");
      }
      String answer = console.readLine("restore %s (%s) into %s? type yes: ", dump, source,
          target);
      if (answer == null || !answer.strip().equals("yes")) {
        System.err.println("restore: not confirmed; nothing was changed");
        return 1;
      }
    }
    // After the question (a Ctrl-C there simply ends the command; nothing was done yet).
    Interruption.install();

    String table = metadata.map(BackupScript.Metadata::versionTable).orElse("alembic_version");
    String schema = metadata.map(BackupScript.Metadata::versionTableSchema).orElse(null);
    VersionTableReader reader;
    try {
      reader = VersionTableReader.of(schema, table);
    } catch (IllegalArgumentException e) {
      return usage(BackupScript.metadataPath(dump) + ": " + e.getMessage());
    }
    // The lock is held by this connection for the whole restore; closing it releases it.
    try (Connection connection = DriverManager.getConnection(settings.jdbcUrl(),
        settings.jdbcProperties())) {
      AdvisoryLock lock = reader.lock(connection, settings.database());
      if (!lock.tryLock(connection)) {
        String holder = lock.holder(connection).map(h -> "pid " + h.pid() + " ("
            + (h.applicationName() == null || h.applicationName().isEmpty() ? "no application name"
                : h.applicationName()) + ", connected since " + h.since() + ")")
            .orElse("another session");
        System.err.println("restore: the migration lock of " + target + " is held by "
            + holder + "; nothing was changed, try again when it is released");
        return 1;
      }
      List<String> before = reader.read(connection);

      BackupScript.Origin origin = new BackupScript.Origin(DatabaseIdentity.of(settings), key,
          metadata.map(BackupScript.Metadata::namespace).orElse(null),
          metadata.map(BackupScript.Metadata::name).orElse(null), before, null, table, schema);
      Path directory = backupDir.resolve(key).toAbsolutePath();
      BackupScript.Result safety;
      try {
        safety = LocalBackup.backup(settings, directory, origin, BackupScript.RETAIN_ALL,
            pgDump(), SAFETY_DUMP_TIMEOUT);
      } catch (LocalBackup.BackupFailed e) {
        if (Interruption.requested()) {
          return interrupted("the safety dump was stopped and removed, nothing was restored",
              reader, connection);
        }
        System.err.println("restore: the safety dump of " + target + " failed, nothing was "
            + "restored: " + e.getMessage());
        return 1;
      }
      System.out.println("==> safety dump of " + target + " (at " + revision(before) + "): "
          + safety.path());

      ProcessRunner.Result result = LocalRestore.restore(pgRestore, settings, dump);
      if (Interruption.requested() && !result.succeeded()) {
        return interrupted("pg_restore was stopped and its transaction rolled back (the safety "
            + "dump is " + safety.path() + ")", reader, connection);
      }
      System.out.print(result.output());
      if (!result.succeeded()) {
        System.err.println("restore: pg_restore failed (exit " + result.exitCode() + "); it "
            + "ran in one transaction, so the database is as it was; the safety dump is "
            + safety.path());
        return 1;
      }
      System.out.println("==> restored " + dump + " into " + target);
      System.out.println("==> the database is now at " + revision(reader.read(connection)));
      return 0;
    } catch (SQLException e) {
      System.err.println("restore: " + DatabaseProblem.classify(e, settings).message());
      return 1;
    } catch (UncheckedIOException e) {
      System.err.println("restore: " + settings.masker().mask(String.valueOf(e.getMessage())));
      return 1;
    }
  }

  /** The one line of an interrupted restore, with where the database is now. */
  private static int interrupted(String what, VersionTableReader reader, Connection connection)
      throws SQLException {
    System.out.println(Interruption.line(what + "; the database is at "
        + revision(reader.read(connection))));
    return Interruption.exitCode();
  }

  /** pg_dump beside --pg-restore (or the one on PATH). */
  private Path pgDump() {
    Path parent = pgRestore.getParent();
    return parent == null ? Path.of("pg_dump") : parent.resolve("pg_dump");
  }

  private static String revision(List<String> rows) {
    return rows.isEmpty() ? "base" : String.join(",", rows);
  }

  private static int usage(String message) {
    System.err.println("restore: " + message);
    return Main.EXIT_USAGE;
  }
}
