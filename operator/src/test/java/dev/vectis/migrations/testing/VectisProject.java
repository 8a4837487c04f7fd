package dev.vectis.migrations.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.local.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** examples/vectis-backend driven with the real Alembic against a test database. */
public final class VectisProject {
  public static final String HEAD = "5731d674e022";
  public static final String MERGE = "c9d8e7f6a5b4";

  private VectisProject() {}

  /** Runs {@code alembic <arguments>} in vectis/backend and returns its output. */
  public static String alembic(TestDatabase db, String... arguments) {
    List<String> command = new ArrayList<>(List.of(ExternalTools.alembic().toString()));
    command.addAll(List.of(arguments));
    return run(ProjectPaths.vectisAlembicDir(), db, command);
  }

  /** Runs the seed, {@code python -m vectis.core.seed}. */
  public static String seed(TestDatabase db) {
    return run(ProjectPaths.vectisProject(), db,
        List.of(ExternalTools.python().toString(), "-m", "vectis.core.seed"));
  }

  /**
   * A copy of examples/vectis-backend in {@code target}, without the files named in
   * {@code without} and with {@code extra} files (path relative to the project → content).
   */
  public static Path copy(Path target, List<String> without, Map<String, String> extra)
      throws IOException {
    Path source = ProjectPaths.vectisProject();
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.sorted().toList()) {
        Path copied = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(copied);
        } else if (!without.contains(file.getFileName().toString())
            && !file.toString().contains("__pycache__")) {
          Files.copy(file, copied);
        }
      }
    }
    for (Map.Entry<String, String> file : extra.entrySet()) {
      Files.writeString(target.resolve(file.getKey()), file.getValue());
    }
    return target;
  }

  /** A revision after head (5731d674e022) whose upgrade runs {@code sql}; no downgrade. */
  public static String revisionAfterHead(String id, String message, String sql) {
    return "\"\"\"" + message + "\"\"\"\nfrom alembic import op\n\nrevision = \"" + id
        + "\"\ndown_revision = \"5731d674e022\"\nbranch_labels = None\ndepends_on = None\n\n\n"
        + "def upgrade():\n    op.execute(\"" + sql + "\")\n\n\n"
        // A fixture for upgrades only: it says so, or the policy's missing-downgrade (deny)
        // would stop every migration through it.
        + "# schema-migration: allow missing-downgrade -- a test revision, never downgraded\n"
        + "def downgrade():\n    pass\n";
  }

  /** Where a copy's migrations go ({@link #copy}'s {@code extra} paths). */
  public static final String VERSIONS = "vectis/backend/alembic/versions/";

  public static List<String> versionRows(TestDatabase db) throws SQLException {
    return db.column("SELECT version_num FROM alembic_version");
  }

  private static String run(Path dir, TestDatabase db, List<String> command) {
    ProcessRunner.Result result = ProcessRunner.run(dir,
        Map.of("DATABASE_URL", db.sqlAlchemyUrl(), "PYTHONDONTWRITEBYTECODE", "1"),
        Duration.ofMinutes(2), command);
    assertThat(result.exitCode()).as("%s\n%s", command, result.output()).isZero();
    return result.output();
  }
}
