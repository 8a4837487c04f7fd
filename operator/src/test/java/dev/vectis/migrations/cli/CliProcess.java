package dev.vectis.migrations.cli;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.TestDatabase;
import dev.vectis.migrations.testing.VectisProject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The CLI run as a separate JVM, as people run it, with its state, backups and logs under
 * {@code work} (the tests that signal or kill it: LocalSafetyTest, LocalInterruptTest).
 */
final class CliProcess {
  /** The revision after head that {@link #slowProject} adds. */
  static final String SLOW = "f2f2f2f2f2f2";

  private CliProcess() {}

  /** The sample project plus a revision after head that writes 42 rows, slowly. */
  static Path slowProject(Path work, int seconds) throws IOException {
    String revision = "\"\"\"race_rows\"\"\"\nfrom alembic import op\n\nrevision = \"" + SLOW
        + "\"\ndown_revision = \"" + HEAD + "\"\nbranch_labels = None\ndepends_on = None\n\n\n"
        + "def upgrade():\n    op.execute(\"CREATE TABLE race_rows AS SELECT generate_series(1, "
        + "42) AS n\")\n    op.execute(\"SELECT pg_sleep(" + seconds + ")\")\n\n\n"
        + "def downgrade():\n    op.execute(\"DROP TABLE race_rows\")\n";
    return VectisProject.copy(work.resolve("project"), List.of(),
        Map.of(VectisProject.VERSIONS + SLOW + "_race_rows.py", revision));
  }

  /** A SchemaMigration shop/{@code name} for the sample project, at {@code target}. */
  static Path resource(Path work, String name, String target, String... extraSpec)
      throws IOException {
    StringBuilder yaml = new StringBuilder("apiVersion: migrations.vectis.dev/v1alpha1\n"
        + "kind: SchemaMigration\nmetadata: {name: " + name + ", namespace: shop}\nspec:\n"
        + "  image: registry.example.com/vectis/backend:1.14.0\n"
        + "  alembic: {workingDir: /app/vectis/backend}\n"
        + "  database: {secretRef: {name: vectis-db-app}}\n"
        + "  targetRevision: \"" + target + "\"\n");
    for (String line : extraSpec) {
      yaml.append("  ").append(line).append('\n');
    }
    Path file = work.resolve(name + "-" + Math.abs(yaml.toString().hashCode()) + ".yaml");
    Files.writeString(file, yaml);
    return file;
  }

  /**
   * The command line of {@code command} (migrate with {@code -o text}) against {@code url},
   * or, when it is null, the embedded PostgreSQL in {@code work/pg}.
   */
  static List<String> cli(Path work, String command, Path resource, Path project, String url) {
    List<String> args = java();
    args.addAll(List.of(command, "-f",
        resource.toString(), "--project-dir", project.toString(), "--python",
        ExternalTools.python().toString(), "--pg-dump", ExternalTools.pgDump().toString(),
        "--backup-dir", work.resolve("backups").toString(), "--state-dir",
        work.resolve("state").toString()));
    args.addAll(url == null ? List.of("--data-dir", work.resolve("pg").toString())
        : List.of("--database-url", url));
    if (command.equals("migrate")) {
      args.addAll(List.of("-o", "text"));
    }
    return args;
  }

  /** The command line up to the CLI's arguments. */
  static List<String> java() {
    return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName()));
  }

  static String url(TestDatabase db) {
    return "postgresql://" + db.user() + "@localhost:" + db.port() + "/" + db.name()
        + "?sslmode=disable";
  }

  static Map<String, String> password(TestDatabase db) {
    return Map.of("PGPASSWORD", db.password());
  }

  /** Starts {@code command}, its output (stdout and stderr) into {@code log}. */
  static Process start(List<String> command, Map<String, String> env, Path log)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    return builder.start();
  }

  /** Starts {@code migrate} to the slow revision and returns once Alembic is running it. */
  static Process startSlowMigration(List<String> command, TestDatabase db, Path log)
      throws IOException {
    Process run = start(command, password(db), log);
    awaitSlowMigration(log);
    return run;
  }

  static void awaitSlowMigration(Path log) {
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(log)
        .contains("Running upgrade " + HEAD + " -> " + SLOW));
  }
}
