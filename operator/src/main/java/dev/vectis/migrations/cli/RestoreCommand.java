package dev.vectis.migrations.cli;

import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.local.EmbeddedDatabase;
import dev.vectis.migrations.local.LocalRestore;
import dev.vectis.migrations.local.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Restores a backup taken by migrate into the same database, as "
        + "docs/restore.md describes (pg_restore --clean --if-exists --single-transaction).",
        "Exit 0: restored; 1: pg_restore failed; 2: bad input."})
final class RestoreCommand implements Callable<Integer> {
  @Option(names = "--dump", required = true, paramLabel = "FILE", description = "The dump.")
  Path dump;

  @Option(names = "--database-url", paramLabel = "URL",
      description = "postgresql://...; default: the embedded PostgreSQL in --data-dir.")
  String databaseUrl;

  @Option(names = "--data-dir", defaultValue = ".schema-migration/pg", paramLabel = "DIR",
      description = "Data of the embedded PostgreSQL (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--pg-restore", paramLabel = "PATH", defaultValue = "pg_restore",
      description = "pg_restore (default: the one on PATH).")
  Path pgRestore;

  @Override
  public Integer call() throws IOException {
    if (!Files.isRegularFile(dump)) {
      System.err.println("restore: --dump " + dump + ": no such file");
      return Main.EXIT_USAGE;
    }
    ConnectionSettings settings;
    EmbeddedDatabase embedded = null;
    if (databaseUrl != null) {
      try {
        settings = ConnectionSettings.fromUrl(databaseUrl);
      } catch (IllegalArgumentException e) {
        System.err.println("restore: --database-url " + e.getMessage());
        return Main.EXIT_USAGE;
      }
    } else {
      embedded = EmbeddedDatabase.start(dataDir.toAbsolutePath());
      settings = embedded.settings();
    }
    try {
      ProcessRunner.Result result = LocalRestore.restore(pgRestore, settings, dump);
      System.out.print(result.output());
      if (!result.succeeded()) {
        System.err.println("restore: pg_restore failed (exit " + result.exitCode() + ")");
        return 1;
      }
      System.out.println("==> restored " + dump + " into " + settings.sqlAlchemyUrl("postgresql"));
      return 0;
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }
}
