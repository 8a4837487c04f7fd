package dev.vectis.migrations.cli;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.TestDatabase;
import dev.vectis.migrations.testing.VectisProject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} and a {@code migrate} with nothing to do start no Python once the project's
 * graph is cached (local/InspectionCache; the tests' cache is target/graph-cache), counted by
 * a --python that records each start.
 */
@ExtendWith(PostgresExtension.class)
class CachedGraphTest {
  @TempDir Path work;

  @Test
  void theNoOpPathsStartNoPythonUntilTheProjectChanges(TestDatabase db) throws IOException {
    Path project = copyOfTheSample();
    Path starts = work.resolve("python-starts");
    Path python = work.resolve("python");
    Files.writeString(python, "#!/bin/sh\necho started >> '" + starts + "'\nexec "
        + ExternalTools.python() + " \"$@\"\n");
    Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwxr-xr-x"));
    LocalCli cli = new LocalCli(work);
    Path resource = cli.resource("head");

    assertThat(cli.run(args("migrate", db, resource, project, python))).as(cli.printed())
        .isZero();
    int afterMigration = starts(starts);
    assertThat(afterMigration).as("the inspection and the migration lock's wrapper")
        .isEqualTo(2);

    assertThat(cli.run(args("status", db, resource, project, python))).as(cli.printed())
        .isZero();
    assertThat(cli.stdout()).contains(HEAD);
    assertThat(cli.run(args("migrate", db, resource, project, python))).as(cli.printed())
        .isZero();
    assertThat(cli.printed()).contains("Ready");
    assertThat(starts(starts)).isEqualTo(afterMigration);

    Path versions = project.resolve("vectis/backend/alembic/versions");
    Files.writeString(versions.resolve("d00000000001_next.py"), VectisProject.revisionAfterHead("d00000000001", "next", "SELECT 1"));
    assertThat(cli.run(args("status", db, resource, project, python))).isZero();
    assertThat(cli.stdout()).contains("d00000000001");
    assertThat(starts(starts)).isEqualTo(afterMigration + 1);
  }

  private String[] args(String command, TestDatabase db, Path resource, Path project,
      Path python) {
    List<String> args = new ArrayList<>(List.of(command, "-f", resource.toString(),
        "--project-dir", project.toString(), "--python", python.toString(), "--state-dir",
        work.resolve("state").toString(), "--backup-dir", work.resolve("backups").toString(),
        "--database-url", "postgresql://" + db.user() + ":" + db.password() + "@" + db.host()
            + ":" + db.port() + "/" + db.name() + "?sslmode=disable"));
    if (command.equals("migrate")) {
      args.addAll(List.of("--pg-dump", ExternalTools.pgDump().toString()));
    }
    return args.toArray(String[]::new);
  }

  private static int starts(Path starts) throws IOException {
    return Files.exists(starts) ? Files.readAllLines(starts).size() : 0;
  }

  private Path copyOfTheSample() throws IOException {
    return VectisProject.copy(work.resolve("project"), List.of(), Map.of());
  }
}
