package dev.vectis.migrations.local;

import dev.vectis.migrations.database.ConnectionSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** docs/restore.md's "restore into the same database", as a local process. */
public final class LocalRestore {
  private LocalRestore() {}

  /** The pg_restore arguments of docs/restore.md, for {@code dump} into the database. */
  private static List<String> command(Path pgRestore, ConnectionSettings database, Path dump) {
    return List.of(pgRestore.toString(), "--clean", "--if-exists", "--single-transaction",
        "--no-owner", "--dbname", database.database(), dump.toString());
  }

  public static ProcessRunner.Result restore(Path pgRestore, ConnectionSettings database,
      Path dump) {
    Map<String, String> env = new HashMap<>(database.libpqEnvironment());
    if (database.password() != null) {
      env.put("PGPASSWORD", database.password());
    }
    ProcessRunner.Result result = ProcessRunner.run(dump.toAbsolutePath().getParent(), env,
        Duration.ofHours(1), command(pgRestore, database, dump.toAbsolutePath()));
    return new ProcessRunner.Result(result.exitCode(), database.masker().mask(result.output()));
  }
}
