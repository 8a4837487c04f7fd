package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.PendingRevision;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.local.LocalEngine;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

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
      System.err.println("status: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    try (LocalOptions.Database database = local.database()) {
      Path backups = local.backupDir(database);
      LocalEngine.Outcome outcome = local.engine(resource, database, true, out).inspectOnly();
      SchemaMigrationStatus status = outcome.status();
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
      row(out, "Last backup", lastBackup(backups).map(StatusCommand::describe).orElse("none in "
          + backups));
      return status.currentRevision == null ? 1 : 0;
    } catch (ResourceFile.InvalidInput | IllegalArgumentException e) {
      System.err.println("status: " + e.getMessage());
      return Main.EXIT_USAGE;
    } catch (IOException e) {
      System.err.println("status: cannot start the embedded PostgreSQL: " + e.getMessage());
      return 1;
    }
  }

  private static void row(PrintStream out, String label, String value) {
    out.printf("%-16s %s%n", label, value);
  }

  private static Optional<Path> lastBackup(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".dump"))
          .max(Comparator.comparing(f -> f.getFileName().toString()));
    }
  }

  private static String describe(Path dump) {
    try {
      return dump + " (" + Files.size(dump) + " bytes)";
    } catch (IOException e) {
      return dump.toString();
    }
  }
}
