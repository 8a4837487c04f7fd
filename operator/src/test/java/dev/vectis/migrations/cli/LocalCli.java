package dev.vectis.migrations.cli;

import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Local mode run in process against a test database, with Debian's Python and pg_dump, its
 * state and backups under {@code work}; what the last run printed stays readable.
 */
final class LocalCli {
  private final Path work;
  private String stdout = "";
  private String stderr = "";

  LocalCli(Path work) {
    this.work = work;
  }

  String stdout() {
    return stdout;
  }

  String stderr() {
    return stderr;
  }

  /** What a person at the terminal saw: progress (stderr with -o yaml|json), then stdout. */
  String printed() {
    return stderr + stdout;
  }

  Path backups() {
    return work.resolve("backups");
  }

  /** Any command line. */
  int run(String... args) {
    CapturedRun run = CapturedRun.of("", args);
    stdout = run.stdout();
    stderr = run.stderr();
    return run.exitCode();
  }

  /** migrate or status against {@code db} (null: the embedded PostgreSQL). */
  int local(String command, TestDatabase db, Path resource, Path project, String... more) {
    List<String> args = new ArrayList<>(List.of(command, "-f", resource.toString(),
        "--project-dir", project.toString(), "--python", ExternalTools.python().toString(),
        "--backup-dir", backups().toString(), "--state-dir",
        work.resolve("state").toString()));
    if (command.equals("migrate")) {
      args.addAll(List.of("--pg-dump", ExternalTools.pgDump().toString()));
    }
    if (db != null) {
      args.addAll(List.of("--database-url", "postgresql://" + db.user() + ":" + db.password()
          + "@" + db.host() + ":" + db.port() + "/" + db.name() + "?sslmode=disable"));
    }
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  /** A SchemaMigration shop/vectis-backend for the sample project, at {@code target}. */
  Path resource(String target, String... extraSpec) throws IOException {
    StringBuilder yaml = new StringBuilder("""
        apiVersion: migrations.vectis.dev/v1alpha1
        kind: SchemaMigration
        metadata: {name: vectis-backend, namespace: shop}
        spec:
          image: registry.example.com/vectis/backend:1.14.0
          alembic: {workingDir: /app/vectis/backend}
          database: {secretRef: {name: vectis-db-app}}
        """);
    yaml.append("  targetRevision: \"").append(target).append("\"\n");
    for (String line : extraSpec) {
      yaml.append("  ").append(line).append('\n');
    }
    Path file = work.resolve("smig-" + Math.abs(yaml.toString().hashCode()) + ".yaml");
    Files.writeString(file, yaml);
    return file;
  }
}
