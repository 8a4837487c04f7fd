package dev.vectis.migrations.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.database.PasswordSources;
import dev.vectis.migrations.local.EmbeddedDatabase;
import dev.vectis.migrations.local.Interruption;
import dev.vectis.migrations.local.LocalAlembic;
import dev.vectis.migrations.local.LocalEngine;
import dev.vectis.migrations.local.LocalState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options {@code migrate} and {@code status} share, and what they set up from them. */
final class LocalOptions {
  @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE",
      description = "The SchemaMigration (YAML).")
  Path file;

  @Option(names = "--name", paramLabel = "NAME",
      description = "Which SchemaMigration of a file that holds several.")
  String name;

  @Option(names = "--target", paramLabel = "REV",
      description = "Overrides spec.targetRevision: head, heads, a revision, branch@head, "
          + "+N, -N, base (checked as the file is).")
  String target;

  @Option(names = "--allow-downgrade", description = "Sets spec.downgrade.allow (a backup is "
      + "still taken first, unless the file says otherwise).")
  boolean allowDowngrade;

  @Option(names = "--project-dir", required = true, paramLabel = "DIR",
      description = "The project checkout; it stands for the image's file system "
          + "(spec.alembic.workingDir /app/vectis/backend is looked up as DIR/vectis/backend).")
  Path projectDir;

  @Option(names = "--database-url", paramLabel = "URL",
      description = "postgresql://user@host:port/db[?sslmode=...]; default: an embedded "
          + "PostgreSQL in --data-dir. The password comes from --password-file, PGPASSWORD or "
          + "~/.pgpass (PGPASSFILE), not from the URL: a command line is visible to every "
          + "local user.")
  String databaseUrl;

  @Option(names = "--password-file", paramLabel = "FILE",
      description = "A file whose first line is the database password.")
  Path passwordFile;

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Where each SchemaMigration's status is kept per database between runs "
          + "(default: .schema-migration/state).")
  Path stateDir;

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

  /**
   * How migrate, status and current answer a failure around the file and the database: one
   * line on stderr naming the command, and the exit code (2 for a user mistake, else 1).
   */
  static int failed(String command, Exception error) {
    if (Interruption.requested()) {
      // Ctrl-C while the embedded PostgreSQL started: what failed is the interruption.
      System.err.println(Interruption.line("while the embedded PostgreSQL started; nothing "
          + "ran, so the database is where the previous run left it"));
      return Interruption.exitCode();
    }
    if (error instanceof EmbeddedDatabase.Unusable unusable) {
      System.err.println(command + ": " + error.getMessage());
      return unusable.userMistake() ? Main.EXIT_USAGE : 1;
    }
    if (error instanceof java.io.UncheckedIOException) {
      // A program that vanished or cannot start: one line, not a trace.
      System.err.println(command + ": " + error.getMessage() + " ("
          + error.getCause().getMessage() + ")");
      return 1;
    }
    if (error instanceof IOException) {
      System.err.println(command + ": cannot start the embedded PostgreSQL: "
          + error.getMessage());
      return 1;
    }
    System.err.println(command + ": " + error.getMessage());
    return Main.EXIT_USAGE;
  }

  /** The resource, checked as the API server would check it. */
  SchemaMigration resource() throws ResourceFile.InvalidInput {
    SchemaMigration resource;
    try {
      resource = ResourceFile.read(file, name, document -> {
        ObjectNode spec = document.with("spec");
        if (target != null) {
          spec.put("targetRevision", target);
        }
        if (allowDowngrade) {
          spec.with("downgrade").put("allow", true);
        }
      });
    } catch (ResourceFile.InvalidInput e) {
      throw target == null ? e : new ResourceFile.InvalidInput(e.getMessage()
          .replace("spec.targetRevision", "--target (spec.targetRevision)"));
    }
    if (!Files.isDirectory(projectDir)) {
      throw new ResourceFile.InvalidInput("--project-dir " + projectDir + ": no such directory");
    }
    requireProgram("--python", python);
    requireProgram("--alembic", alembic);
    requireProgram("--pg-dump", pgDump == null ? null : pgDump.toString());
    return resource;
  }

  /** A program given by path must be there: one line now, not a stack trace mid-run. */
  private static void requireProgram(String option, String program)
      throws ResourceFile.InvalidInput {
    if (program == null || !program.contains("/")) {
      return;
    }
    if (!Files.isExecutable(Path.of(program)) || Files.isDirectory(Path.of(program))) {
      throw new ResourceFile.InvalidInput(option + " " + program + ": no such executable file");
    }
  }

  /**
   * The database: {@code --database-url}, or the embedded one (started, to be closed).
   *
   * @param readOnly a command that changes nothing: it creates no embedded database either
   */
  Database database(boolean readOnly) throws ResourceFile.InvalidInput, IOException,
      EmbeddedDatabase.Unusable {
    if (databaseUrl != null) {
      return new Database(urlSettings(databaseUrl, passwordFile), null);
    }
    EmbeddedDatabase.check(dataDir.toAbsolutePath(), !readOnly);
    EmbeddedDatabase embedded = EmbeddedDatabase.start(dataDir.toAbsolutePath());
    return new Database(embedded.settings(), embedded);
  }

  /**
   * Settings from {@code --database-url}, the password from a safe source; a password in the
   * URL still works, with a warning.
   */
  static ConnectionSettings urlSettings(String url, Path passwordFile)
      throws ResourceFile.InvalidInput {
    ConnectionSettings settings;
    try {
      settings = ConnectionSettings.fromUrl(url);
    } catch (IllegalArgumentException e) {
      throw new ResourceFile.InvalidInput("--database-url " + e.getMessage());
    }
    if (settings.password() != null) {
      System.err.println("warning: the password in --database-url can be read by every local "
          + "user in the process list; give it with PGPASSWORD, ~/.pgpass or --password-file");
      return settings;
    }
    try {
      return PasswordSources.find(settings, passwordFile, System.getenv())
          .map(password -> new ConnectionSettings(settings.host(), settings.port(),
              settings.database(), settings.user(), password, settings.sslMode()))
          .orElse(settings);
    } catch (IllegalArgumentException e) {
      throw new ResourceFile.InvalidInput(e.getMessage());
    }
  }

  /** Where this resource's status is kept for this database (keyed as its dumps are). */
  LocalState state(SchemaMigration resource, Database database) {
    Path root = stateDir != null ? stateDir : Path.of(".schema-migration/state");
    return LocalState.of(root.toAbsolutePath(), dev.vectis.migrations.local.LocalBackup.key(
        database.settings(), database.embedded() == null ? null : dataDir),
        namespace(resource), resource.getMetadata().getName());
  }

  private static String namespace(SchemaMigration resource) {
    return resource.getMetadata().getNamespace() == null ? "default"
        : resource.getMetadata().getNamespace();
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
        projectDir.toAbsolutePath(), backupDir(database), state(resource, database),
        python(), alembic, pgDump(), dryRun, out), java.time.Clock.systemUTC());
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
