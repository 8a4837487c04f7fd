package dev.vectis.migrations.cli;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.MERGE;
import static dev.vectis.migrations.testing.VectisProject.alembic;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guide's daily commands without a SchemaMigration file: flags for the target, the
 * read-only commands against what Alembic itself prints, and {@code -o json} as a document
 * a parser reads on success, on a stall and on bad input.
 */
@ExtendWith(PostgresExtension.class)
class DailyCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path work;

  private LocalCli cli;

  @BeforeEach
  void newCli() {
    cli = new LocalCli(work);
  }

  /** A command on the sample checkout and {@code db}, with no -f (null db: no database). */
  private int run(String command, TestDatabase db, String... more) {
    List<String> args = new ArrayList<>(List.of(command, "--project-dir",
        ProjectPaths.vectisProject().toString(), "--python", ExternalTools.python().toString(),
        "--state-dir", work.resolve("state").toString(), "--data-dir",
        work.resolve("no-such-pg").toString()));
    if (command.equals("migrate") || command.equals("seed")) {
      args.addAll(List.of("--pg-dump", ExternalTools.pgDump().toString(), "--backup-dir",
          work.resolve("backups").toString()));
    }
    if (db != null) {
      args.addAll(List.of("--database-url", "postgresql://" + db.user() + ":" + db.password()
          + "@" + db.host() + ":" + db.port() + "/" + db.name() + "?sslmode=disable"));
    }
    args.addAll(List.of(more));
    return cli.run(args.toArray(String[]::new));
  }

  @Test
  void theGuidesUpgradeAndDowngradeStepsAreFlags(TestDatabase db) throws Exception {
    assertThat(run("migrate", db, "--target", "+1", "-o", "text")).as(cli.printed()).isZero();
    assertThat(versionRows(db)).containsExactly("0f5e1c2d3a4b");
    assertThat(run("migrate", db, "--target", "b7c4e9a1d2f3")).as(cli.printed()).isZero();
    assertThat(run("migrate", db, "--target", "+1")).as(cli.printed()).isZero();
    assertThat(versionRows(db)).containsExactly(MERGE);
    assertThat(run("migrate", db, "--target", "+1")).as("again, as alembic upgrade +1 would")
        .isZero();
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(run("migrate", db, "-o", "text")).as(cli.printed()).isZero();
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(cli.printed()).contains("==> Ready: the database is at " + HEAD, "s in all)")
        .doesNotContain("local/");

    assertThat(run("migrate", db, "--target", "-1", "-o", "text")).isEqualTo(1);
    assertThat(cli.printed()).contains("Stalled (DowngradeNotAllowed)");
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(run("migrate", db, "--target", "-1", "--allow-downgrade", "-o", "text"))
        .as(cli.printed()).isZero();
    assertThat(versionRows(db)).containsExactly(MERGE);
    assertThat(cli.printed()).contains("verified");
    Path databaseDumps;
    try (var dirs = Files.list(work.resolve("backups"))) {
      databaseDumps = dirs.findFirst().orElseThrow();
    }
    String firstDump;
    try (var dumps = Files.list(databaseDumps)) {
      firstDump = dumps.map(path -> path.getFileName().toString())
          .filter(name -> name.endsWith(".dump")).findFirst().orElseThrow();
    }

    // A file keeping one dump per database: the older one goes, and the run names it.
    assertThat(run("migrate", db)).isZero();
    Path keepOne = cli.resource(MERGE, "downgrade: {allow: true}", "backup: {retain: 1}");
    assertThat(run("migrate", db, "-f", keepOne.toString())).as(cli.printed()).isZero();
    assertThat(cli.printed()).contains("removed the older dump " + firstDump
        + " (keeping 1 of this database)");
    assertThat(databaseDumps.resolve(firstDump)).doesNotExist();
  }

  @Test
  void readOnlyCommandsPrintWhatAlembicPrints(TestDatabase db) throws Exception {
    alembic(db, "upgrade", MERGE);
    for (List<String> command : List.of(List.of("heads"), List.of("history"),
        List.of("history", "-r", "0f5e1c2d3a4b:" + MERGE), List.of("history", "-r", "a3e2:"),
        List.of("history", "-r", "current:"), List.of("history", "-r", ":current"),
        List.of("history", "-i"), List.of("current"))) {
      List<String> ours = new ArrayList<>(command.subList(1, command.size()));
      assertThat(run(command.get(0), db, ours.toArray(String[]::new))).as(cli.printed())
          .isZero();
      String alembicSays = alembic(db, command.toArray(String[]::new));
      assertThat(lines(cli.stdout())).as(String.join(" ", command))
          .isEqualTo(lines(alembicSays));
    }
    assertThat(run("show", db, "c9d8")).isZero();
    assertThat(cli.stdout()).startsWith("Rev: " + MERGE + " (mergepoint)\nMerges: "
        + "a3e2f1b8c9d4, b7c4e9a1d2f3\nBranch names: audit\n");
    assertThat(run("show", db, "current")).isZero();
    assertThat(cli.stdout()).as("Alembic's show marks nothing current")
        .startsWith("Rev: " + MERGE + " (mergepoint)\n");
  }

  /** Alembic's own lines, without its INFO log lines. */
  private static List<String> lines(String output) {
    return output.lines().filter(line -> !line.startsWith("INFO ")).toList();
  }

  @Test
  void jsonIsOneDocumentOnSuccessOnAStallAndOnBadInput(TestDatabase db) throws Exception {
    assertThat(run("migrate", db, "--target", MERGE, "-o", "json")).isZero();
    assertThat(json().path("status").path("currentRevision").asText()).isEqualTo(MERGE);
    assertThat(run("migrate", db, "--target", "base", "-o", "json")).isEqualTo(1);
    assertThat(json().path("status").path("phase").asText()).isEqualTo("Blocked");
    for (String command : List.of("status", "current", "heads", "history")) {
      assertThat(run(command, db, "-o", "json")).as(cli.stderr()).isZero();
      assertThat(json().isObject()).isTrue();
    }
    assertThat(run("show", db, "head", "-o", "json")).isZero();
    assertThat(json().path("revisions").get(0).path("revision").asText()).isEqualTo(HEAD);

    assertThat(run("migrate", db, "--target", "not a revision", "-o", "json")).isEqualTo(2);
    assertThat(json().path("error").path("message").asText())
        .contains("--target (spec.targetRevision)");
    assertThat(run("show", db, "ffff", "-o", "json")).isEqualTo(2);
    assertThat(json().path("error").path("message").asText())
        .isEqualTo("Can't locate revision identified by 'ffff'");
    assertThat(run("history", db, "-r", "nonsense", "-o", "yaml")).isEqualTo(2);
    assertThat(cli.stdout()).startsWith("error:");
    assertThat(run("status", db, "--no-such-flag", "-o", "json")).isEqualTo(2);
    assertThat(json().path("error").path("message").asText())
        .isEqualTo("Unknown option: '--no-such-flag' (see status --help)");
    for (List<String> readOnly : List.of(List.of("current"), List.of("status"),
        List.of("history", "-i"), List.of("show", "current"), List.of("migrate", "--dry-run"))) {
      List<String> args = new ArrayList<>(readOnly.subList(1, readOnly.size()));
      args.addAll(List.of("-o", "json"));
      assertThat(run(readOnly.get(0), null, args.toArray(String[]::new))).as(readOnly.toString())
          .isEqualTo(2);
      assertThat(json().path("error").path("message").asText()).contains("no-such-pg",
          "creates none");
      assertThat(work.resolve("no-such-pg")).doesNotExist();
    }
  }

  private JsonNode json() throws IOException {
    assertThat(cli.stdout().strip()).startsWith("{").endsWith("}");
    return JSON.readTree(cli.stdout());
  }

  @Test
  void theAlembicIniIsFoundOrNamed(TestDatabase db) throws Exception {
    assertThat(run("heads", null, "--config", "vectis/backend/alembic.ini")).isZero();
    assertThat(run("heads", null, "--config", "vectis/alembic.ini")).isEqualTo(2);
    assertThat(cli.stderr().strip()).isEqualTo("heads: --config vectis/alembic.ini: no such "
        + "file (looked at " + ProjectPaths.vectisProject().toAbsolutePath().normalize()
            .resolve("vectis/alembic.ini") + ")");
    Path two = Files.createDirectories(work.resolve("two"));
    for (String dir : List.of("a", "b/c", ".venv/lib", "node_modules/x")) {
      Files.createDirectories(two.resolve(dir));
      Files.writeString(two.resolve(dir).resolve("alembic.ini"), "[alembic]\n");
    }
    assertThat(cli.run("heads", "--project-dir", two.toString())).isEqualTo(2);
    assertThat(cli.stderr()).as("hidden and dependency folders are not searched")
        .contains("holds 2 alembic.ini files (a/alembic.ini, b/c/alembic.ini): pick one with "
            + "--config").hasLineCount(1);
    Path none = Files.createDirectories(work.resolve("none"));
    assertThat(cli.run("history", "--project-dir", none.toString())).isEqualTo(2);
    assertThat(cli.stderr()).contains("no alembic.ini in --project-dir " + none,
        "looked in " + none).hasLineCount(1);
    assertThat(cli.run("heads", "--project-dir", ProjectPaths.vectisProject().toString(),
        "--python", "no-such-python3")).isEqualTo(2);
    assertThat(cli.stderr().strip()).isEqualTo("heads: --python no-such-python3: not found on "
        + "PATH");
    // A real Python without Alembic (no site-packages), as a pyenv python3 first on PATH.
    Path bare = work.resolve("python-without-alembic");
    Files.writeString(bare, "#!/bin/sh\nexec " + ExternalTools.python() + " -S \"$@\"\n");
    bare.toFile().setExecutable(true);
    assertThat(cli.run("heads", "--project-dir", ProjectPaths.vectisProject().toString(),
        "--python", bare.toString())).isEqualTo(1);
    assertThat(cli.stderr().strip()).contains("No module named 'alembic", bare + " has no "
        + "Alembic: give --python the interpreter that has it").hasLineCount(1);
    assertThat(cli.run("plan", "--project-dir", ProjectPaths.vectisProject().toString(),
        "--python", ExternalTools.python().toString(), "--target", "head")).isZero();
    assertThat(cli.stdout()).contains("alembic upgrade head: 5 steps");
  }

  @Test
  void mistakesAreOneLineNamingTheFlag(TestDatabase db) throws Exception {
    Path escaping = cli.resource("head");
    Files.writeString(escaping, Files.readString(escaping).replace("/app/vectis/backend",
        "/app/../../../../" + work.resolve("elsewhere").toString().substring(1)));
    Files.createDirectories(work.resolve("elsewhere"));
    Files.writeString(work.resolve("elsewhere/alembic.ini"), "[alembic]\n");
    assertThat(run("heads", null, "-f", escaping.toString())).isEqualTo(2);
    assertThat(cli.stderr().strip()).as("an image path never leaves the checkout")
        .startsWith("heads: no alembic.ini in " + ProjectPaths.vectisProject().toAbsolutePath()
            .normalize() + " (spec.alembic.workingDir /app/../").hasLineCount(1);

    assertThat(run("current", null, "--database-url",
        "postgresql://postgres@localhost:99999/x")).isEqualTo(2);
    assertThat(cli.stderr().strip()).isEqualTo("current: --database-url has port 99999, which "
        + "is not a TCP port (1-65535)");

    Path file = Files.writeString(work.resolve("a-file"), "");
    assertThat(cli.run("migrate", "--project-dir", ProjectPaths.vectisProject().toString(),
        "--data-dir", file.toString())).isEqualTo(2);
    assertThat(cli.stderr().strip()).isEqualTo("migrate: --data-dir " + file.toAbsolutePath()
        + ": not a directory; give a new or empty directory");

    assertThat(cli.run("heads", "--project-dir", ProjectPaths.vectisProject().toString(),
        "--python", "/bin/true")).isEqualTo(1);
    assertThat(cli.stderr().strip()).startsWith("heads: cannot read the revision graph in ")
        .contains("/bin/true printed no inspection result (exit 0",
            "give --python a Python 3 that has Alembic").hasLineCount(1);
  }

  @Test
  void theSeedRunsAloneAndIsRecorded(TestDatabase db) throws Exception {
    Path withSeed = ProjectPaths.examples().resolve("with-seed.yaml");
    assertThat(run("seed", db, "-f", withSeed.toString())).as(cli.printed()).isEqualTo(1);
    assertThat(cli.printed()).contains("the seed failed");
    alembic(db, "upgrade", "head");
    assertThat(run("seed", db, "-f", withSeed.toString(), "-o", "json")).as(cli.printed())
        .isZero();
    assertThat(cli.stderr()).contains("==> running the seed at " + HEAD,
        "==> the seed ran at " + HEAD);
    assertThat(json().path("status").path("lastSeed").path("revision").asText())
        .isEqualTo(HEAD);
    assertThat(db.column("SELECT count(*)::text FROM roles")).isNotEqualTo(List.of("0"));

    assertThat(run("seed", db)).isEqualTo(2);
    assertThat(cli.stderr().strip()).endsWith("\nseed: spec.seed.command is empty: there is "
        + "no seed to run");
  }
}
