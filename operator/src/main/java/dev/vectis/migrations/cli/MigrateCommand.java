package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.local.EmbeddedDatabase;
import dev.vectis.migrations.local.Interruption;
import dev.vectis.migrations.local.LocalEngine;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "migrate", mixinStandardHelpOptions = true,
    description = {"Brings a database to a SchemaMigration's target without Kubernetes: the "
        + "operator's engine and safety rules, with Alembic, pg_dump and the seed run as local "
        + "processes.",
        "Exit 0: Ready; 1: stalled, failed or awaiting approval (the reason is printed); 2: "
            + "bad input; "
            + "130 (Ctrl-C, SIGINT) or 143 (SIGTERM): interrupted, the running step stopped "
            + "(one line says what it undid and where the database is)."})
final class MigrateCommand implements Callable<Integer> {
  @Mixin LocalOptions local;

  @Option(names = "--dry-run", description = "Print the plan (steps, whether a backup would "
      + "be taken) and change nothing.")
  boolean dryRun;

  @Option(names = "--approve", paramLabel = "PLAN_HASH", description = "Approve the plan with "
      + "this hash, when spec.approval requires one (the hash a run without it prints, as the "
      + "operator's status.pendingPlan.planHash); a changed plan has another hash and waits.")
  String approve;

  @Override
  public Integer call() {
    Interruption.install(); // from here on, Ctrl-C is reported once (see Interruption)
    // With -o json|yaml, stdout holds the document and nothing else (`| jq` works).
    PrintStream progress = local.output.progress();
    SchemaMigration resource;
    try {
      resource = local.resource();
    } catch (ResourceFile.InvalidInput e) {
      return LocalOptions.failed("migrate", e, local.output);
    }
    try (LocalOptions.Database database = local.database(dryRun)) {
      progress.println("==> " + resource.getMetadata().getName() + ": "
          + local.projectDir.toAbsolutePath().normalize() + " -> "
          + resource.getSpec().targetRevision + " on " + database.describe());
      LocalEngine.Outcome outcome = local.engine(resource, database, dryRun, progress)
          .approving(approve).migrate();
      print(System.out, outcome.status(), local.output);
      return outcome.exitCode();
    } catch (ResourceFile.InvalidInput | IllegalArgumentException | EmbeddedDatabase.Unusable
        | IOException | UncheckedIOException e) {
      return LocalOptions.failed("migrate", e, local.output);
    }
  }

  /** The status document of {@code -o json|yaml}; text says it all in the progress. */
  static void print(PrintStream out, SchemaMigrationStatus status, OutputFormat output) {
    if (output != OutputFormat.text) {
      output.printDocument(out, Map.of("status", status));
    }
  }
}
