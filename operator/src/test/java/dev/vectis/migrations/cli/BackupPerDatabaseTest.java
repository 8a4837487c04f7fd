package dev.vectis.migrations.cli;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.alembic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.database.DatabaseIdentity;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One SchemaMigration run against two databases (prod, then staging) with one backup folder:
 * each keeps its own dumps and retention, and {@code status} names each one's own dump.
 */
@ExtendWith(PostgresExtension.class)
class BackupPerDatabaseTest {
  @TempDir Path work;

  private CapturedRun local(String command, TestDatabase db, Path resource) {
    List<String> args = new ArrayList<>(List.of(command, "-f", resource.toString(),
        "--project-dir", ProjectPaths.vectisProject().toString(), "--python",
        ExternalTools.python().toString(), "--backup-dir", work.resolve("backups").toString(),
        "--state-dir", work.resolve("state").toString(), "--database-url", "postgresql://" + db.user() + ":" + db.password() + "@localhost:"
            + db.port() + "/" + db.name() + "?sslmode=disable"));
    if (command.equals("migrate")) {
      args.addAll(List.of("--pg-dump", ExternalTools.pgDump().toString()));
    }
    return CapturedRun.of("", args.toArray(String[]::new));
  }

  private static Path dumpOf(TestDatabase db, Path root) throws Exception {
    Path directory = root.resolve(DatabaseIdentity.of(db.settings()).key());
    List<BackupScript.Dump> dumps = BackupScript.dumpsOf(directory,
        directory.getFileName().toString());
    assertThat(dumps).hasSize(1);
    return dumps.get(0).path();
  }

  @Test
  void prodAndStagingKeepTheirOwnDumpsAndStatusNamesEachOnesOwn(TestDatabase prod,
      TestDatabase staging) throws Exception {
    alembic(prod, "upgrade", "head");
    alembic(staging, "upgrade", "head");
    Path resource = Files.writeString(work.resolve("smig.yaml"), """
        apiVersion: migrations.vectis.dev/v1alpha1
        kind: SchemaMigration
        metadata: {name: vectis-backend, namespace: shop}
        spec:
          image: registry.example.com/vectis/backend:1.14.0
          targetRevision: a3e2f1b8c9d4
          alembic: {workingDir: /app/vectis/backend}
          database: {secretRef: {name: vectis-db-app}}
          downgrade: {allow: true}
          backup: {retain: 1}
        """);

    CapturedRun run = local("migrate", prod, resource);
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    Path root = work.resolve("backups");
    Path prodDump = dumpOf(prod, root);
    run = local("migrate", staging, resource);
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    Path stagingDump = dumpOf(staging, root);

    assertThat(prodDump).as("staging's backup (retain 1) did not rotate out prod's").exists();
    assertThat(stagingDump.getParent()).isNotEqualTo(prodDump.getParent());
    assertThat(BackupScript.readMetadata(prodDump).orElseThrow().database())
        .isEqualTo(DatabaseIdentity.of(prod.settings()));

    run = local("status", prod, resource);
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    assertThat(lastBackup(run)).contains(prodDump.toString(), "at " + HEAD)
        .doesNotContain(stagingDump.toString());
    run = local("status", staging, resource);
    assertThat(lastBackup(run)).contains(stagingDump.toString())
        .doesNotContain(prodDump.toString());
  }

  @Test
  void theEmbeddedDatabaseKeepsItsIdentityAcrossRunsThoughItsPortChanges() throws Exception {
    Path data = work.resolve("pg");
    List<String> common = List.of("--project-dir", ProjectPaths.vectisProject().toString(),
        "--python", ExternalTools.python().toString(), "--backup-dir",
        work.resolve("backups").toString(), "--data-dir", data.toString(), "--state-dir",
        work.resolve("state").toString());
    CapturedRun run = embedded("migrate", "head", common);
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    run = embedded("migrate", "a3e2f1b8c9d4", common);
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    Path dump;
    try (var files = Files.walk(work.resolve("backups"))) {
      dump = files.filter(f -> f.toString().endsWith("-" + HEAD + ".dump")).findFirst()
          .orElseThrow();
    }
    assertThat(run.stdout()).as("the path is printed as it is").contains("backup " + dump);

    run = embedded("status", "a3e2f1b8c9d4", common);
    assertThat(lastBackup(run)).contains(dump.toString());
    run = CapturedRun.of("", "restore", "--dump", dump.toString(), "--data-dir",
        data.toString(), "--backup-dir", work.resolve("backups").toString(), "--pg-restore",
        ExternalTools.pgDump().resolveSibling("pg_restore").toString(), "--yes");
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    assertThat(run.stdout()).contains("==> the database is now at " + HEAD);
  }

  private CapturedRun embedded(String command, String target, List<String> common)
      throws Exception {
    Path resource = Files.writeString(work.resolve("embedded-" + target + ".yaml"), """
        apiVersion: migrations.vectis.dev/v1alpha1
        kind: SchemaMigration
        metadata: {name: vectis-backend, namespace: shop}
        spec:
          image: registry.example.com/vectis/backend:1.14.0
          targetRevision: "%s"
          alembic: {workingDir: /app/vectis/backend}
          database: {secretRef: {name: vectis-db-app}}
          downgrade: {allow: true}
        """.formatted(target));
    List<String> args = new ArrayList<>(List.of(command, "-f", resource.toString()));
    args.addAll(common);
    if (command.equals("migrate")) {
      args.addAll(List.of("--pg-dump", ExternalTools.pgDump().toString()));
    }
    return CapturedRun.of("", args.toArray(String[]::new));
  }

  private static String lastBackup(CapturedRun run) {
    return run.stdout().lines().filter(line -> line.startsWith("Last backup")).findFirst()
        .orElseThrow(() -> new AssertionError(run.stdout()));
  }
}
