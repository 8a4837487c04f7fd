package dev.vectis.migrations.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.database.PasswordSources;
import dev.vectis.migrations.local.EmbeddedDatabase;
import dev.vectis.migrations.local.Interruption;
import dev.vectis.migrations.local.LocalAlembic;
import dev.vectis.migrations.local.LocalEngine;
import dev.vectis.migrations.local.LocalPaths;
import dev.vectis.migrations.local.LocalState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** The options the local commands share, and what they set up from them. */
final class LocalOptions {
  /** A relative Alembic target: +N, -N, rev+N, label@-N. */
  private static final java.util.regex.Pattern RELATIVE = java.util.regex.Pattern.compile(
      "[+-]\\d+$");

  @Option(names = {"-f", "--filename"}, paramLabel = "FILE",
      description = "The SchemaMigration (YAML). Without it, one is made from the flags: "
          + "target head (or --target), the alembic.ini found in --project-dir (or --config), "
          + "a backup before any downgrade.")
  Path file;

  @Option(names = {"-o", "--output"}, defaultValue = "text",
      description = "text (default) for people; json or yaml: the result as one document, "
          + "all of stdout, also on failure (progress and warnings on stderr); sarif (lint and "
          + "rehearse): SARIF 2.1.0 for code-scanning UIs.")
  OutputFormat output;

  /** Set by the commands whose findings can be printed as SARIF. */
  boolean printsFindings;

  @Option(names = "--name", paramLabel = "NAME",
      description = "Which SchemaMigration of a file that holds several; without -f, the "
          + "name its status is kept under (default: the --project-dir folder's name).")
  String name;

  @Option(names = "--target", paramLabel = "REV",
      description = "Overrides spec.targetRevision: head, heads, a revision, branch@head, "
          + "+N, -N, base (checked as the file is).")
  String target;

  @Option(names = "--allow-downgrade", description = "Sets spec.downgrade.allow (a backup is "
      + "still taken first, unless the file says otherwise).")
  boolean allowDowngrade;

  @Option(names = "--project-dir", defaultValue = ".", paramLabel = "DIR",
      description = "The project checkout (default: the current directory); it stands for "
          + "the image's file system (spec.alembic.workingDir /app/vectis/backend is looked up "
          + "as DIR/vectis/backend).")
  Path projectDir;

  @Option(names = "--config", paramLabel = "FILE",
      description = "alembic.ini, relative to --project-dir; overrides "
          + "spec.alembic.workingDir and spec.alembic.config (default: from the file, or "
          + "without -f the one alembic.ini in DIR or up to 3 levels below).")
  Path config;

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
   * How a local command answers a failure around its input, the project and the database: one
   * line on stderr naming the command, and with {@code -o json|yaml} also an error document on
   * stdout (a script's parser gets a document either way). Exit 2 for a user mistake, else 1.
   */
  static int failed(String command, Exception error, OutputFormat output) {
    if (Interruption.requested()) {
      // Ctrl-C while the embedded PostgreSQL started: what failed is the interruption.
      System.err.println(Interruption.line("while the embedded PostgreSQL started; nothing "
          + "ran, so the database is where the previous run left it"));
      return Interruption.exitCode();
    }
    String message;
    int exitCode;
    if (error instanceof EmbeddedDatabase.Unusable unusable) {
      message = error.getMessage();
      exitCode = unusable.userMistake() ? Main.EXIT_USAGE : 1;
    } else if (error instanceof CommandFailure failure) {
      message = failure.getMessage();
      exitCode = failure.exitCode();
    } else if (error instanceof java.io.UncheckedIOException) {
      // A program that vanished or cannot start: one line, not a trace.
      message = error.getMessage() + " (" + error.getCause().getMessage() + ")";
      exitCode = 1;
    } else if (error instanceof IOException) {
      message = "cannot start the embedded PostgreSQL: " + error.getMessage();
      exitCode = 1;
    } else if (error instanceof ResourceFile.InvalidInput
        || error instanceof IllegalArgumentException) {
      message = error.getMessage();
      exitCode = Main.EXIT_USAGE;
    } else if (error instanceof RuntimeException bug) {
      throw bug; // not a user's mistake: the trace is for us
    } else {
      message = error.getMessage();
      exitCode = 1;
    }
    System.err.println(command + ": " + message);
    printErrorDocument(command, message, exitCode, output);
    return exitCode;
  }

  /** With {@code -o json|yaml|sarif}: the failure as the one document on stdout. */
  static void printErrorDocument(String command, String message, int exitCode,
      OutputFormat output) {
    if (output == OutputFormat.sarif) {
      output.printDocument(System.out, FindingsOutput.sarif(java.util.List.of(),
          dev.vectis.migrations.policy.Severities.defaults(), message));
    } else if (output != OutputFormat.text) {
      output.printDocument(System.out, Map.of("error", new ErrorDocument(command, message,
          exitCode)));
    }
  }

  /** What {@code -o json|yaml} prints when a command fails before it has a result. */
  record ErrorDocument(String command, String message, int exitCode) {}

  /** The resource, checked as the API server would check it. */
  SchemaMigration resource() throws ResourceFile.InvalidInput {
    if (output == OutputFormat.sarif && !printsFindings) {
      throw new ResourceFile.InvalidInput("-o sarif: only lint and rehearse print SARIF; use "
          + "text, json or yaml");
    }
    Path ini = null;
    if (config != null || file == null) {
      requireProjectDir();
      try {
        ini = LocalPaths.alembicIni(projectDir, config);
      } catch (IllegalArgumentException e) {
        throw new ResourceFile.InvalidInput(e.getMessage());
      }
    }
    Path alembicIni = ini;
    Consumer<ObjectNode> overrides = document -> {
      ObjectNode spec = document.with("spec");
      if (target != null) {
        spec.put("targetRevision", target);
        if (RELATIVE.matcher(target).find()) {
          // As `alembic upgrade +1`: each run walks from where the database is then (a file's
          // relative target is resolved once per change of the spec).
          spec.put("retryToken", "--target at " + System.nanoTime());
        }
      }
      if (allowDowngrade) {
        spec.with("downgrade").put("allow", true);
      }
      if (alembicIni != null) {
        // As an image path: LocalPaths maps "/vectis/backend" back to DIR/vectis/backend.
        Path relative = projectDir.toAbsolutePath().normalize()
            .relativize(alembicIni.getParent());
        spec.with("alembic").put("workingDir", "/" + relative.toString().replace('\\', '/'));
        spec.with("alembic").put("config", alembicIni.getFileName().toString());
      }
    };
    SchemaMigration resource;
    try {
      resource = file != null ? ResourceFile.read(file, name, overrides)
          : ResourceFile.fromTree("the command line", fromFlags(overrides));
    } catch (ResourceFile.InvalidInput e) {
      throw target == null ? e : new ResourceFile.InvalidInput(e.getMessage()
          .replace("spec.targetRevision", "--target (spec.targetRevision)"));
    }
    requireProjectDir();
    requireProgram("--python", python);
    requireProgram("--alembic", alembic);
    requireProgram("--pg-dump", pgDump == null ? null : pgDump.toString());
    return resource;
  }

  private void requireProjectDir() throws ResourceFile.InvalidInput {
    if (!Files.isDirectory(projectDir)) {
      throw new ResourceFile.InvalidInput("--project-dir " + projectDir + ": no such directory");
    }
  }

  /** Without -f: the SchemaMigration a file would hold for this checkout. */
  private ObjectNode fromFlags(Consumer<ObjectNode> overrides) {
    ObjectNode tree = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    String resourceName = name != null ? name : LocalPaths.resourceName(projectDir);
    tree.with("metadata").put("name", resourceName).put("namespace", "default");
    ObjectNode spec = tree.with("spec");
    spec.put("image", "local/" + resourceName);
    spec.with("database").with("secretRef").put("name", "local");
    overrides.accept(tree);
    return tree;
  }

  /** A program given by path, or by name on PATH, must be there: one line now, not mid-run. */
  private static void requireProgram(String option, String program)
      throws ResourceFile.InvalidInput {
    if (program == null) {
      return;
    }
    if (!program.contains("/")) {
      for (String directory : System.getenv().getOrDefault("PATH", "")
          .split(java.io.File.pathSeparator)) {
        Path candidate = Path.of(directory.isEmpty() ? "." : directory, program);
        if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
          return;
        }
      }
      throw new ResourceFile.InvalidInput(option + " " + program + ": not found on PATH");
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
        projectDir.toAbsolutePath().normalize(), backupDir(database), state(resource, database),
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
