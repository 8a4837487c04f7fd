package dev.vectis.migrations.local;

import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.database.ConnectionSettings;
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
   * Dumps the database into {@code directory}, verifies the dump, applies retention.
   *
   * @param pgDump the pg_dump program; pg_restore is taken from the same directory
   */
  public static BackupScript.Result backup(ConnectionSettings settings, Path directory,
      List<String> rows, int retain, Path pgDump, Duration timeout) {
    Map<String, String> env = environment(settings, pgDump);
    env.putAll(BackupScript.environment(directory.toString(), rows, retain));
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new BackupFailed("cannot create the backup directory " + directory + ": "
          + e.getMessage());
    }
    ProcessRunner.Result result = ProcessRunner.run(directory.toAbsolutePath(), env, timeout,
        BackupScript.backupCommand());
    String output = settings.masker().mask(result.output());
    if (!result.succeeded()) {
      throw new BackupFailed("backup failed (exit " + result.exitCode() + "): " + output.strip());
    }
    return BackupScript.parse(output).orElseThrow(() -> new BackupFailed(
        "backup printed no result: " + output.strip()));
  }

  /** Runs only the verification ({@code pg_restore --list}) on a dump. */
  public static ProcessRunner.Result verify(Path dump, Path pgDump) {
    Map<String, String> env = new HashMap<>();
    env.put("PG_RESTORE", pgRestoreBeside(pgDump).toString());
    return ProcessRunner.run(dump.toAbsolutePath().getParent(), env, Duration.ofMinutes(10),
        BackupScript.verifyCommand(dump.toAbsolutePath().toString()));
  }

  private static Map<String, String> environment(ConnectionSettings settings, Path pgDump) {
    Map<String, String> env = new HashMap<>(settings.libpqEnvironment());
    if (settings.password() != null) {
      env.put("PGPASSWORD", settings.password());
    }
    env.put("PG_DUMP", pgDump.toString());
    env.put("PG_RESTORE", pgRestoreBeside(pgDump).toString());
    return env;
  }

  private static Path pgRestoreBeside(Path pgDump) {
    Path parent = pgDump.getParent();
    return parent == null ? Path.of("pg_restore") : parent.resolve("pg_restore");
  }
}
