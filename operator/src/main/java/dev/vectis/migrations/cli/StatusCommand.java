package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.PendingRevision;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.local.EmbeddedDatabase;
import dev.vectis.migrations.local.LocalEngine;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Shows where a database stands against a SchemaMigration, without "
        + "Kubernetes and without changing anything: current revision, resolved target, pending "
        + "revisions, heads, the last backup.",
        "Exit 0: shown; 1: the database cannot be read; 2: bad input."})
final class StatusCommand implements Callable<Integer> {
  @Mixin LocalOptions local;

  @Override
  public Integer call() {
    PrintStream out = System.out;
    SchemaMigration resource;
    try {
      resource = local.resource();
    } catch (ResourceFile.InvalidInput e) {
      return LocalOptions.failed("status", e, local.output);
    }
    try (LocalOptions.Database database = local.database(true)) {
      Path backups = local.backupDir(database);
      LocalEngine.Outcome outcome = local.engine(resource, database, true,
          local.output.progress())
          .inspectOnly();
      SchemaMigrationStatus status = outcome.status();
      Optional<BackupScript.Dump> lastBackup = lastBackup(backups);
      int exitCode = status.currentRevision == null ? 1 : 0;
      if (local.output != OutputFormat.text) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("name", resource.getMetadata().getName());
        document.put("database", database.describe());
        document.put("state", Map.of("state", outcome.decision().state().name(),
            "reason", outcome.decision().reason().name(),
            "message", outcome.decision().message()));
        document.put("status", status);
        lastBackup.ifPresent(dump -> document.put("lastBackup", Map.of(
            "path", dump.path().toString(), "revision", dump.metadata().revision(),
            "sizeBytes", dump.metadata().sizeBytes(), "createdAt",
            String.valueOf(dump.metadata().createdAt()))));
        local.output.printDocument(out, document);
        return exitCode;
      }
      row(out, "SchemaMigration", resource.getMetadata().getNamespace() + "/"
          + resource.getMetadata().getName());
      row(out, "Database", database.describe());
      row(out, "Current", status.currentRevision == null ? "(unknown)"
          : status.currentRevision.isEmpty() ? "base" : status.currentRevision);
      row(out, "Target", resource.getSpec().targetRevision + (status.targetRevision == null ? ""
          : " -> " + (status.targetRevision.isEmpty() ? "base" : status.targetRevision)));
      row(out, "State", outcome.decision().state() + " (" + outcome.decision().reason() + "): "
          + outcome.decision().message());
      row(out, "Heads", status.heads == null ? "(unknown)" : String.join(", ", status.heads));
      List<PendingRevision> pending = outcome.decision().pending();
      row(out, "Pending", pending.isEmpty() ? "none" : pending.size() + " revision"
          + (pending.size() == 1 ? "" : "s"));
      for (PendingRevision revision : pending) {
        row(out, "", revision.revision + "  " + revision.message);
      }
      row(out, "Last backup", lastBackup.map(StatusCommand::describe).orElse("none of "
          + "this database in " + backups));
      return exitCode;
    } catch (ResourceFile.InvalidInput | IllegalArgumentException | EmbeddedDatabase.Unusable
        | IOException | UncheckedIOException e) {
      return LocalOptions.failed("status", e, local.output);
    }
  }

  private static void row(PrintStream out, String label, String value) {
    out.printf("%-16s %s%n", label, value);
  }

  /** This database's newest dump: its directory, with metadata naming it. */
  private static Optional<BackupScript.Dump> lastBackup(Path directory) {
    try {
      return BackupScript.dumpsOf(directory, directory.getFileName().toString()).stream()
          .findFirst();
    } catch (IOException unreadable) {
      return Optional.empty();
    }
  }

  private static String describe(BackupScript.Dump dump) {
    BackupScript.Metadata metadata = dump.metadata();
    return dump.path() + " (at " + metadata.revision() + ", " + metadata.sizeBytes()
        + " bytes, taken " + metadata.createdAt() + ")";
  }
}
