package dev.vectis.migrations.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.database.DatabaseProblem;
import dev.vectis.migrations.database.VersionTableReader;
import dev.vectis.migrations.local.EmbeddedDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "current", mixinStandardHelpOptions = true,
    description = {"Prints the revisions in the database's version table, as `alembic current` "
        + "does, without Python and without changing anything.",
        "Exit 0: printed; 1: the database cannot be read; 2: bad input."})
final class CurrentCommand implements Callable<Integer> {
  /** The document: {@code current} is there even when empty (the database at base). */
  record Current(@JsonInclude(JsonInclude.Include.ALWAYS) List<String> current) {}

  @Mixin LocalOptions local;

  @Option(names = {"-o", "--output"}, defaultValue = "text",
      description = "How to print: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  @Override
  public Integer call() {
    SchemaMigration resource;
    try {
      resource = local.resource();
    } catch (ResourceFile.InvalidInput e) {
      System.err.println("current: " + e.getMessage());
      return Main.EXIT_USAGE;
    }
    try (LocalOptions.Database database = local.database(true)) {
      List<String> rows;
      try {
        rows = VersionTableReader.of(resource.getSpec().alembic.versionTableSchema,
            resource.getSpec().alembic.versionTable).observe(database.settings()).rows();
      } catch (SQLException e) {
        System.err.println("current: " + DatabaseProblem.classify(e, database.settings())
            .message());
        return 1;
      }
      if (output == OutputFormat.text) {
        // As Alembic: one revision a line, nothing at all at base.
        rows.forEach(System.out::println);
      } else {
        output.printDocument(System.out, new Current(rows));
      }
      return 0;
    } catch (ResourceFile.InvalidInput | IllegalArgumentException | EmbeddedDatabase.Unusable
        | IOException | UncheckedIOException e) {
      return LocalOptions.failed("current", e);
    }
  }
}
