package dev.vectis.migrations.local;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.database.DatabaseIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The operator's backup script run as a local process (local mode and tests). */
public final class LocalBackup {
  private LocalBackup() {}

  /** A backup that did not complete or did not verify; the output is masked. */
  public static final class BackupFailed extends RuntimeException {
    public BackupFailed(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The key of a database's backup directory. Local mode's embedded PostgreSQL listens on a
   * new port every run, so it is keyed by its data directory instead of host and port.
   *
   * @param embeddedDataDir the embedded server's data directory, or null for a real server
   */
  public static String key(ConnectionSettings settings, Path embeddedDataDir) {
    if (embeddedDataDir == null) {
      return DatabaseIdentity.of(settings).key();
    }
    // The data directory alone says which server it is; its one database, "postgres", is
    // also its password, and would be masked in every path printed.
    return new DatabaseIdentity("embedded", 0, embeddedDataDir.toAbsolutePath().normalize()
        .toString()).key();
  }

  /**
   * Backs up the database of {@code resource} before a migration: into {@code directory}
   * (its key is the directory's name, see {@link #key}), retaining
   * {@code spec.backup.retain} dumps of this database.
   *
   * @param pgDump the pg_dump program; pg_restore is taken from the same directory
   */
  public static BackupScript.Result backup(ConnectionSettings settings, Path directory,
      SchemaMigration resource, List<String> rows, Path pgDump, Duration timeout) {
    SchemaMigrationSpec spec = resource.getSpec();
    String image = resource.getStatus() != null && resource.getStatus().appliedImage != null
        ? resource.getStatus().appliedImage : spec.image;
    BackupScript.Origin origin = new BackupScript.Origin(DatabaseIdentity.of(settings),
        directory.getFileName().toString(), namespace(resource), name(resource), rows, image,
        spec.alembic.versionTable, spec.alembic.versionTableSchema);
    return backup(settings, directory, origin, Integer.toString(spec.backup.retain), pgDump,
        timeout);
  }

  /**
   * Dumps the database into {@code directory}, verifies the dump in full, writes its metadata,
   * applies retention among this database's dumps.
   *
   * @param retain how many dumps of this database to keep, or {@link BackupScript#RETAIN_ALL}
   * @param pgDump the pg_dump program; pg_restore is taken from the same directory
   */
  public static BackupScript.Result backup(ConnectionSettings settings, Path directory,
      BackupScript.Origin origin, String retain, Path pgDump, Duration timeout) {
    Map<String, String> env = environment(settings, pgDump);
    env.putAll(BackupScript.environment(directory.toAbsolutePath().toString(), origin, retain));
    Path parent = directory.toAbsolutePath().getParent();
    try {
      // The script creates (and checks) the directory itself; it runs in its parent.
      Files.createDirectories(parent);
    } catch (IOException e) {
      throw new BackupFailed("cannot create the backup directory " + parent + ": "
          + e.getMessage());
    }
    if (Files.isSymbolicLink(directory)) {
      throw new BackupFailed("the backup directory " + directory + " is a symbolic link; "
          + "refusing to write through it");
    }
    ProcessRunner.Result result = ProcessRunner.run(parent, env, timeout,
        BackupScript.backupCommand());
    String output = settings.masker().mask(result.output());
    if (!result.succeeded()) {
      throw new BackupFailed("backup failed (exit " + result.exitCode() + "): " + output.strip());
    }
    return BackupScript.parse(output).orElseThrow(() -> new BackupFailed(
        "backup printed no result: " + output.strip()));
  }

  /** Runs only the verification (a full read with pg_restore) on a dump. */
  public static ProcessRunner.Result verify(Path dump, Path pgDump) {
    Map<String, String> env = new HashMap<>();
    env.put("PG_RESTORE", pgRestoreBeside(pgDump).toString());
    return ProcessRunner.run(dump.toAbsolutePath().getParent(), env, Duration.ofMinutes(10),
        BackupScript.verifyCommand(dump.toAbsolutePath().toString()));
  }

  private static Map<String, String> environment(ConnectionSettings settings, Path pgDump) {
    Map<String, String> env = DatabaseEnvironment.of(settings, System.getenv());
    env.put("PG_DUMP", pgDump.toString());
    env.put("PG_RESTORE", pgRestoreBeside(pgDump).toString());
    // psql tells the script the server's version before it dumps (see backup.sh); the one
    // beside pg_dump, else the one on PATH.
    Path psql = besidePgDump(pgDump, "psql");
    if (psql.getParent() != null && Files.isExecutable(psql)) {
      env.put("PSQL", psql.toString());
    }
    return env;
  }

  /** pg_restore in the directory of {@code pgDump} (or the one on PATH). */
  public static Path pgRestoreBeside(Path pgDump) {
    return besidePgDump(pgDump, "pg_restore");
  }

  private static Path besidePgDump(Path pgDump, String program) {
    Path parent = pgDump.getParent();
    return parent == null ? Path.of(program) : parent.resolve(program);
  }

  private static String namespace(SchemaMigration resource) {
    return resource.getMetadata() == null || resource.getMetadata().getNamespace() == null
        ? "default" : resource.getMetadata().getNamespace();
  }

  private static String name(SchemaMigration resource) {
    return resource.getMetadata() == null ? null : resource.getMetadata().getName();
  }
}
