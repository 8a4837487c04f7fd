package dev.vectis.migrations.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.database.DatabaseProblem;
import dev.vectis.migrations.database.VersionTableReader;
import dev.vectis.migrations.local.InspectionCache;
import dev.vectis.migrations.local.LocalAlembic;
import dev.vectis.migrations.local.LocalPaths;
import dev.vectis.migrations.revision.InspectionScript;
import dev.vectis.migrations.revision.Revision;
import dev.vectis.migrations.revision.RevisionGraph;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;

/** What the read-only commands read: the project's revision graph and the version table. */
final class ProjectRevisions {
  private ProjectRevisions() {}

  /** A revision as {@code -o json|yaml} prints it. */
  record RevisionView(String revision, @JsonInclude(JsonInclude.Include.ALWAYS)
      List<String> downRevisions, List<String> branchLabels, List<String> dependsOn,
      String message, boolean head, Boolean current) {
    static RevisionView of(RevisionGraph graph, Revision revision, Boolean current) {
      return new RevisionView(revision.id(), revision.downRevisions(), revision.branchLabels(),
          revision.dependsOn(), revision.message(),
          graph.realHeads().contains(revision.id()), current);
    }
  }

  /** The project's graph, read with its own Alembic; a graph Alembic cannot load fails. */
  static RevisionGraph graph(LocalOptions local, SchemaMigration resource)
      throws CommandFailure {
    return inspect(local, resource, 1, InspectionCache.fromEnvironment()).result().graph();
  }

  /** The inspection of the project and the directory Alembic runs in. */
  record Inspected(Path alembicDir, InspectionScript.Result result) {}

  /**
   * The project's inspection (graph and captured operations).
   *
   * @param unreadableExit the exit code when Alembic cannot load the scripts
   * @param cache where an unchanged project's inspection may come from
   */
  static Inspected inspect(LocalOptions local, SchemaMigration resource, int unreadableExit,
      InspectionCache cache) throws CommandFailure {
    Path alembicDir;
    try {
      alembicDir = LocalPaths.alembicDir(local.projectDir, resource.getSpec());
    } catch (IllegalArgumentException e) {
      throw new CommandFailure(e.getMessage(), Main.EXIT_USAGE);
    }
    InspectionScript.Result result = LocalAlembic.inspect(alembicDir,
        resource.getSpec().alembic.config, local.python(), cache);
    if (!result.ok()) {
      throw new CommandFailure("cannot read the revision graph in " + alembicDir + ": "
          + result.error(), unreadableExit);
    }
    return new Inspected(alembicDir, result);
  }

  /** The version table's rows, in database order (empty: base); changes nothing. */
  static List<String> currentRows(LocalOptions local, SchemaMigration resource)
      throws CommandFailure, ResourceFile.InvalidInput, IOException,
      dev.vectis.migrations.local.EmbeddedDatabase.Unusable {
    try (LocalOptions.Database database = local.database(true)) {
      try {
        return VersionTableReader.of(resource.getSpec().alembic.versionTableSchema,
            resource.getSpec().alembic.versionTable).observe(database.settings()).rows();
      } catch (SQLException e) {
        throw new CommandFailure(DatabaseProblem.classify(e, database.settings()).message(), 1);
      }
    }
  }
}
