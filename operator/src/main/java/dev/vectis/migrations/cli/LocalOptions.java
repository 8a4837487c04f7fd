package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.local.EmbeddedDatabase;
import dev.vectis.migrations.local.LocalAlembic;
import dev.vectis.migrations.local.LocalEngine;
import dev.vectis.migrations.plan.SpecValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The options {@code migrate} and {@code status} share, and what they set up from them. */
final class LocalOptions {
  @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE",
      description = "The SchemaMigration (YAML).")
  Path file;

  @Option(names = "--project-dir", required = true, paramLabel = "DIR",
      description = "The project checkout; it stands for the image's file system "
          + "(spec.alembic.workingDir /app/vectis/backend is looked up as DIR/vectis/backend).")
  Path projectDir;

  @Option(names = "--database-url", paramLabel = "URL",
      description = "postgresql://user:password@host:port/db[?sslmode=...]; default: an "
          + "embedded PostgreSQL in --data-dir.")
  String databaseUrl;

  @Option(names = "--data-dir", defaultValue = ".schema-migration/pg", paramLabel = "DIR",
      description = "Data of the embedded PostgreSQL (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--backup-dir", paramLabel = "DIR",
      description = "Where dumps go: DIR/<database key>/ (default: "
          + ".schema-migration/backups).")
  Path backupDir;

  @Option(names = "--python", description = "Python with Alembic (default: the interpreter of "
      + "the alembic on PATH).")
  String python;

  @Option(names = "--alembic", description = "The alembic program (default: spec.alembic.command).")
  String alembic;

  @Option(names = "--pg-dump", paramLabel = "PATH", description = "pg_dump (pg_restore is taken "
      + "from the same directory; default: the one on PATH).")
  Path pgDump;

  /** The resource, checked as the API server would check it. */
  SchemaMigration resource() throws ResourceFile.InvalidInput {
    SchemaMigration resource = ResourceFile.read(file);
    List<String> problems = SpecValidator.problems(resource.getSpec(), false);
    if (!problems.isEmpty()) {
      throw new ResourceFile.InvalidInput(file + ": " + String.join("; ", problems));
    }
    if (!Files.isDirectory(projectDir)) {
      throw new ResourceFile.InvalidInput("--project-dir " + projectDir + ": no such directory");
    }
    return resource;
  }

  /** The database: {@code --database-url}, or the embedded one (started, to be closed). */
  Database database() throws ResourceFile.InvalidInput, IOException {
    if (databaseUrl != null) {
      try {
        return new Database(ConnectionSettings.fromUrl(databaseUrl), null);
      } catch (IllegalArgumentException e) {
        throw new ResourceFile.InvalidInput("--database-url " + e.getMessage());
      }
    }
    EmbeddedDatabase embedded = EmbeddedDatabase.start(dataDir.toAbsolutePath());
    return new Database(embedded.settings(), embedded);
  }

  String python() {
    return python != null ? python : LocalAlembic.defaultPython();
  }

  Path pgDump() {
    return pgDump != null ? pgDump : Path.of("pg_dump");
  }

  /**
   * The database's dump directory: {@code <--backup-dir>/<database key>}, the key made from
   * host, port and database name (the embedded PostgreSQL's from its data directory).
   */
  Path backupDir(Database database) {
    Path root = backupDir != null ? backupDir : Path.of(".schema-migration/backups");
    return root.resolve(dev.vectis.migrations.local.LocalBackup.key(database.settings(),
        database.embedded() == null ? null : dataDir)).toAbsolutePath();
  }

  /** The local engine for this resource and database. */
  LocalEngine engine(SchemaMigration resource, Database database, boolean dryRun,
      java.io.PrintStream out) {
    return new LocalEngine(resource, database.settings(), new LocalEngine.Options(
        projectDir.toAbsolutePath(), backupDir(database), python(), alembic, pgDump(), dryRun,
        out), java.time.Clock.systemUTC());
  }

  /** The database to use, and the embedded server to stop afterwards (or null). */
  record Database(ConnectionSettings settings, EmbeddedDatabase embedded)
      implements AutoCloseable {
    String describe() {
      return settings.sqlAlchemyUrl("postgresql") + (embedded == null ? ""
          : " (embedded PostgreSQL)");
    }

    @Override
    public void close() {
      if (embedded != null) {
        embedded.close();
      }
    }
  }
}
