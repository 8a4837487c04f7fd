package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.database.DatabaseIdentity;
import dev.vectis.migrations.database.DatabaseProblem;
import dev.vectis.migrations.database.ScratchInventory;
import dev.vectis.migrations.database.SecretMasker;
import dev.vectis.migrations.database.VersionTableReader;
import dev.vectis.migrations.local.EmbeddedDatabase;
import dev.vectis.migrations.local.Interruption;
import dev.vectis.migrations.local.LocalBackup;
import dev.vectis.migrations.local.LocalEngine;
import dev.vectis.migrations.local.LocalPaths;
import dev.vectis.migrations.local.LocalRestore;
import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.local.Rehearsal;
import dev.vectis.migrations.local.RehearsalDriver;
import dev.vectis.migrations.policy.Severities;
import dev.vectis.migrations.revision.AlembicCommands;
import dev.vectis.migrations.revision.AlembicError;
import dev.vectis.migrations.revision.MigrationPlan;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "rehearse", mixinStandardHelpOptions = true,
    description = {"Rehearses every revision both ways on a throwaway database: from base (or "
        + "the restored --from-dump), each revision in upgrade order is upgraded, downgraded "
        + "alone and upgraded again with the project's real Alembic, and the schema is compared "
        + "after each round trip. Stops at the first revision whose upgrade or downgrade fails "
        + "or whose downgrade does not restore the schema.",
        "The throwaway database is a new embedded PostgreSQL in a temporary directory, removed "
            + "afterwards; or --database-url, an empty scratch database, from which what the "
            + "rehearsal created is dropped again afterwards.",
        "Exit 0: no deny finding; 1: a deny finding (or the rehearsal could not run); 2: bad "
            + "input; 130/143: interrupted."})
final class RehearseCommand implements Callable<Integer> {
  private static final Duration RESTORE_TIMEOUT = Duration.ofHours(1);

  @Mixin LocalOptions local;

  @Option(names = "--from", paramLabel = "REV",
      description = "Upgrade to REV without rehearsing, then rehearse the revisions after it "
          + "(default: base).")
  String from;

  @Option(names = "--to", paramLabel = "REV",
      description = "The last revision to rehearse, as an upgrade target (default: heads).")
  String to;

  @Option(names = "--from-dump", paramLabel = "FILE",
      description = "A pg_dump -Fc archive (a backup of migrate) restored into the throwaway "
          + "database first; the rehearsal then starts at its version table, on its data.")
  Path fromDump;

  @Option(names = "--rule", paramLabel = "RULE=SEVERITY",
      description = "A rule's severity (deny, warn or off), over the defaults and "
          + "spec.policy.rules; repeatable.")
  Map<String, String> rules = new LinkedHashMap<>();

  /** Whether a throwaway database was set up (what an interruption's line can say). */
  private boolean scratchOpened;

  @Override
  public Integer call() {
    local.printsFindings = true;
    Interruption.install(); // from here on, Ctrl-C is reported once (see Interruption)
    PrintStream progress = local.output.progress();
    try {
      SchemaMigration resource = local.resource();
      Severities severities = LintCommand.severities(resource, rules);
      if (fromDump != null && from != null) {
        throw new CommandFailure("--from and --from-dump: the dump's version table is where "
            + "the rehearsal starts; leave out --from", Main.EXIT_USAGE);
      }
      if (fromDump != null && !Files.isRegularFile(fromDump)) {
        throw new CommandFailure("--from-dump " + fromDump + ": no such file", Main.EXIT_USAGE);
      }
      // The revisions as lint checks them: --from and --to refused here, before any database.
      LintCommand.Checked checked = LintCommand.revisions(local, resource, from, to);
      try (Scratch scratch = scratch(progress)) {
        return rehearse(resource, severities, checked, scratch, progress);
      }
    } catch (Exception e) {
      if (Interruption.requested()) {
        String line = Interruption.line(!scratchOpened
            ? "the rehearsal stopped before it had a database"
            : "the rehearsal stopped; " + (local.databaseUrl == null
                ? "its throwaway database was removed"
                : "what it created in the scratch database was dropped"));
        progress.println(line);
        LocalOptions.printErrorDocument("rehearse", line, Interruption.exitCode(),
            local.output);
        return Interruption.exitCode();
      }
      return LocalOptions.failed("rehearse", e, local.output);
    }
  }

  private int rehearse(SchemaMigration resource, Severities severities,
      LintCommand.Checked checked, Scratch scratch, PrintStream progress)
      throws CommandFailure, SQLException {
    SchemaMigrationSpec spec = resource.getSpec();
    ConnectionSettings settings = scratch.settings();
    if (fromDump != null) {
      restore(settings, progress);
    }
    VersionTableReader versionTable = VersionTableReader.of(spec.alembic.versionTableSchema,
        spec.alembic.versionTable);
    Path alembicDir = LocalPaths.alembicDir(local.projectDir, spec);
    Map<String, String> env = new java.util.HashMap<>(LocalEngine.environment(spec, settings));
    // Its sessions are found by this name to be ended when it is stopped (see Scratch.close).
    env.put("PGAPPNAME", scratch.driverSessions());
    // The throwaway server's password is "postgres": masking it would garble every message.
    SecretMasker masker = scratch.embedded() != null ? SecretMasker.hiding(List.of())
        : settings.masker();
    try (Connection connection = DriverManager.getConnection(settings.jdbcUrl(),
        settings.jdbcProperties());
        RehearsalDriver driver = RehearsalDriver.start(alembicDir, spec.alembic.config,
            local.python(), env, masker, Duration.ofSeconds(spec.jobDeadlineSeconds))) {
      if (from != null) {
        RehearsalDriver.Answer answer = driver.upgrade(from);
        if (!answer.ok()) {
          throw new CommandFailure("--from " + from + ": the upgrade to it failed, so nothing "
              + "was rehearsed: " + answer.error(), 1);
        }
      }
      List<String> rows = versionTable.read(connection);
      List<MigrationPlan.Step> steps;
      try {
        steps = AlembicCommands.upgrade(checked.result().graph(), rows,
            to == null ? "heads" : to).steps();
      } catch (AlembicError e) {
        throw new CommandFailure((fromDump != null ? "--from-dump " + fromDump + " is at "
            + describe(rows) : "--to " + to) + ": " + e.getMessage(), Main.EXIT_USAGE);
      }
      progress.println("==> rehearsing " + steps.size() + " revision"
          + (steps.size() == 1 ? "" : "s") + " from " + describe(rows) + " on "
          + scratch.describe());
      Rehearsal.Result result = new Rehearsal(new Rehearsal.Subject(
          checked.result().graph(), steps, rows, checked.changes(), checked.filePrefix(),
          severities), driver, connection, spec.alembic.versionTableSchema,
          versionTable.table(), progress).run();
      if (result.stoppedAt() != null) {
        int notRehearsed = steps.size() - result.checked().size();
        progress.println("==> stopped at " + result.stoppedAt() + (notRehearsed == 0 ? ""
            : "; " + notRehearsed + " later revision" + (notRehearsed == 1 ? " was" : "s were")
                + " not rehearsed"));
      }
      return FindingsOutput.print(local.output, "rehearse", result.checked(),
          result.findings(), severities);
    } catch (RehearsalDriver.Gone | Rehearsal.Aborted e) {
      if (Interruption.requested()) {
        throw new CommandFailure("interrupted", 1); // reported as the interruption
      }
      throw new CommandFailure(e.getMessage(), 1);
    } catch (SQLException e) {
      throw new CommandFailure(DatabaseProblem.classify(e, settings).message(), 1);
    }
  }

  private void restore(ConnectionSettings settings, PrintStream progress)
      throws CommandFailure {
    Path pgRestore = LocalBackup.pgRestoreBeside(local.pgDump());
    progress.println("==> restoring " + fromDump + " into the throwaway database");
    ProcessRunner.Result restored;
    try {
      restored = LocalRestore.restoreCopy(pgRestore, settings, fromDump, RESTORE_TIMEOUT);
    } catch (UncheckedIOException e) {
      throw new CommandFailure("--from-dump: cannot run " + pgRestore + " (give --pg-dump the "
          + "pg_dump whose directory has pg_restore)", Main.EXIT_USAGE);
    }
    if (!restored.succeeded()) {
      String output = restored.output().strip();
      throw new CommandFailure("--from-dump " + fromDump + ": pg_restore failed (exit "
          + restored.exitCode() + "): " + output.substring(Math.max(0, output.length() - 400)),
          Interruption.requested() ? 1 : Main.EXIT_USAGE);
    }
  }

  /** The throwaway database: a new embedded server, or the scratch database given. */
  private Scratch scratch(PrintStream progress) throws ResourceFile.InvalidInput, IOException,
      CommandFailure, SQLException {
    if (local.databaseUrl == null) {
      progress.println("==> starting a throwaway embedded PostgreSQL");
      EmbeddedDatabase embedded = EmbeddedDatabase.startThrowaway();
      scratchOpened = true;
      return new Scratch(embedded.settings(), embedded, null, progress);
    }
    ConnectionSettings settings = LocalOptions.urlSettings(local.databaseUrl,
        local.passwordFile);
    ScratchInventory before;
    try (Connection connection = DriverManager.getConnection(settings.jdbcUrl(),
        settings.jdbcProperties())) {
      before = ScratchInventory.take(connection);
    } catch (SQLException e) {
      throw new CommandFailure("--database-url: " + DatabaseProblem.classify(e, settings)
          .message(), 1);
    }
    if (!before.contents().isEmpty()) {
      throw new CommandFailure("--database-url: " + DatabaseIdentity.of(settings).describe()
          + " is not empty (it holds " + before.contents() + "); rehearse needs an empty "
          + "scratch database, never one with data you keep", Main.EXIT_USAGE);
    }
    scratchOpened = true;
    return new Scratch(settings, null, before, progress);
  }

  /**
   * Where the rehearsal runs, and how it is put away: the embedded server stopped and its
   * directory removed, or in the scratch database what appeared since the start dropped.
   */
  private record Scratch(ConnectionSettings settings, EmbeddedDatabase embedded,
      ScratchInventory before, PrintStream progress) implements AutoCloseable {
    /** The application_name of the driver's sessions. */
    String driverSessions() {
      return ConnectionSettings.APPLICATION_NAME + "-rehearsal-" + ProcessHandle.current().pid();
    }

    String describe() {
      return embedded != null ? "a throwaway embedded PostgreSQL"
          : DatabaseIdentity.of(settings).describe();
    }

    @Override
    public void close() {
      if (embedded != null) {
        embedded.close();
        return;
      }
      try (Connection connection = DriverManager.getConnection(settings.jdbcUrl(),
          settings.jdbcProperties()); Statement statement = connection.createStatement()) {
        // A stopped driver's statement can still run on the server (a pg_sleep, an index
        // build) and hold the locks the drops need: end its sessions first.
        try (java.sql.PreparedStatement end = connection.prepareStatement("SELECT "
            + "pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
            + "current_database() AND application_name = ? AND pid <> pg_backend_pid()")) {
          end.setString(1, driverSessions());
          end.executeQuery().close();
        }
        statement.execute("SET lock_timeout = '60s'");
        for (String drop : before.dropStatementsFor(ScratchInventory.take(connection))) {
          statement.execute(drop);
        }
      } catch (SQLException e) {
        progress.println("warning: could not drop everything the rehearsal created in "
            + describe() + ": " + DatabaseProblem.classify(e, settings).message());
      }
    }
  }

  private static String describe(List<String> rows) {
    return rows.isEmpty() ? "base" : String.join(", ", rows);
  }
}
