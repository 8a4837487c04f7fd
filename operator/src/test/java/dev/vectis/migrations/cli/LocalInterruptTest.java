package dev.vectis.migrations.cli;

import static dev.vectis.migrations.cli.CliProcess.SLOW;
import static dev.vectis.migrations.cli.CliProcess.awaitSlowMigration;
import static dev.vectis.migrations.cli.CliProcess.cli;
import static dev.vectis.migrations.cli.CliProcess.password;
import static dev.vectis.migrations.cli.CliProcess.resource;
import static dev.vectis.migrations.cli.CliProcess.start;
import static dev.vectis.migrations.cli.CliProcess.url;
import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.alembic;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ctrl-C and SIGTERM during a local run, at the three points where one lands: the embedded
 * PostgreSQL's start, a migration, a backup. The CLI runs in a session of its own and the
 * signal goes to its whole process group, as a terminal sends Ctrl-C (children included).
 * Each time: exit 128 + the signal, one line saying what was stopped and where the database
 * is (and it is there), no stack trace, nothing left running, and the next run finishes.
 */
@Tag("slow")
@ExtendWith(PostgresExtension.class)
class LocalInterruptTest {
  private static final Pattern WHERE = Pattern.compile("the database is at (.+)$",
      Pattern.MULTILINE);
  /** A revision before head; going there from head is a downgrade, so a backup first. */
  private static final String OLDER = "a3e2f1b8c9d4";

  @TempDir Path work;

  /** A SIGINT to the process group of a CLI started with {@link #startAsAtATerminal}. */
  private static void ctrlC(Process run) throws Exception {
    signal("-INT", "-" + run.pid());
  }

  private static void signal(String signal, String target) throws Exception {
    assertThat(new ProcessBuilder("kill", signal, "--", target).inheritIO().start().waitFor())
        .isZero();
  }

  /** The CLI leading a process group of its own, as a shell runs a foreground command. */
  private static Process startAsAtATerminal(List<String> command, Map<String, String> env,
      Path log) throws IOException {
    List<String> inSession = new ArrayList<>(command);
    inSession.add(0, "setsid");
    return start(inSession, env, log);
  }

  /**
   * What every interruption must leave: the exit code, one line naming the signal, nothing
   * else saying so, no stack trace of Java or Python, no password; returns that line.
   */
  private static String assertReportedOnce(Process run, Path log, int exitCode, String signal,
      String secret) throws Exception {
    int exit = run.waitFor();
    String out = Files.readString(log);
    assertThat(exit).as(out).isEqualTo(exitCode);
    List<String> said = out.lines().filter(line -> line.toLowerCase().contains("interrupt"))
        .toList();
    assertThat(said).as(out).hasSize(1);
    assertThat(said.get(0)).startsWith("==> Interrupted (" + signal + "): ");
    assertThat(out).doesNotContain("Traceback", "KeyboardInterrupt", "Exception", "\tat ",
        "connection refused", "server closed the connection");
    if (secret != null) {
      assertThat(out).doesNotContain(secret);
    }
    return said.get(0);
  }

  /** The rows the line says the database is at (base: none). */
  private static List<String> where(String line) {
    Matcher matcher = WHERE.matcher(line);
    assertThat(matcher.find()).as(line).isTrue();
    String rows = matcher.group(1).strip();
    return rows.equals("base") ? List.of() : Arrays.asList(rows.split(",\\s*"));
  }

  /** The processes the CLI had started, all ended (bounded: SIGTERM takes a moment). */
  private static void assertNoneLeft(List<ProcessHandle> children) {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(children.stream()
        .filter(ProcessHandle::isAlive).map(p -> p.pid() + " " + p.info().commandLine()
            .orElse("?"))).isEmpty());
  }

  /** Every live process but the CLI whose command line names {@code path}. */
  private static List<ProcessHandle> naming(Path path, Process cli) {
    String text = path.toString();
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      return all.filter(p -> p.pid() != cli.pid())
          .filter(p -> p.info().commandLine().map(c -> c.contains(text)).orElse(false))
          .toList();
    }
  }

  /**
   * Ctrl-C while the embedded PostgreSQL starts, in a new data directory (initdb runs, and
   * gets the Ctrl-C too) and in an existing one (pg_ctl starts the server): no server is left
   * on the directory, and the next run uses the directory as if nothing had happened.
   */
  @ParameterizedTest(name = "in {0} data directory")
  @ValueSource(strings = {"a new", "an existing"})
  void ctrlCWhileTheEmbeddedPostgresStarts(String which) throws Exception {
    Path dataDir = work.resolve("pg");
    Path project = ProjectPaths.vectisProject();
    Path log = work.resolve("start.log");
    List<String> before = List.of();
    if (which.equals("an existing")) {
      assertThat(start(cli(work, "migrate", resource(work, "older", OLDER), project, null),
          Map.of(), log).waitFor()).as(Files.readString(log)).isZero();
      before = current();
      assertThat(before).isNotEmpty();
    }
    List<String> command = cli(work, "migrate", resource(work, "start", "head"), project, null);
    Process run = startAsAtATerminal(command, Map.of(), log);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(() -> !naming(dataDir, run).isEmpty());
    List<ProcessHandle> children = run.descendants().toList();

    ctrlC(run);

    String line = assertReportedOnce(run, log, 130, "SIGINT", null);
    assertNoneLeft(children);
    assertThat(naming(dataDir, run)).as("a server or initdb still on the data directory")
        .isEmpty();
    if (WHERE.matcher(line).find()) {
      assertThat(current()).isEqualTo(where(line));
    } else {
      assertThat(line).contains("nothing ran");
    }
    if (which.equals("an existing")) {
      assertThat(current()).isEqualTo(before);
    }

    assertThat(start(command, Map.of(), log).waitFor()).as(Files.readString(log)).isZero();
    assertThat(current()).containsExactly(HEAD);
  }

  /** The revisions of the embedded database, as {@code current} prints them (no markers). */
  private List<String> current() throws Exception {
    Path log = work.resolve("current.log");
    Process current = CliProcess.start(cli(work, "current", resource(work, "start", "head"),
        ProjectPaths.vectisProject(), null), Map.of(), log);
    assertThat(current.waitFor()).as(Files.readString(log)).isZero();
    return Files.readString(log).lines().filter(l -> !l.isBlank())
        .map(l -> l.replace(" (head)", "")).toList();
  }

  /**
   * Ctrl-C during a migration: Alembic (which got no SIGINT of its own, and so printed no
   * KeyboardInterrupt) is stopped, its transaction rolls back, the line says so.
   */
  @Test
  void ctrlCDuringAMigration(TestDatabase db) throws Exception {
    Path project = CliProcess.slowProject(work, 6);
    alembic(db, "upgrade", "head");
    String secret = "Int-" + Long.toHexString(System.nanoTime()) + "-x";
    PostgresExtension.createPasswordRole("vectis_int", secret);
    db.execute("ALTER DATABASE " + db.name() + " OWNER TO vectis_int");
    db.execute("ALTER TABLE alembic_version OWNER TO vectis_int");
    Path log = work.resolve("migration.log");
    List<String> command = cli(work, "migrate", resource(work, "stopped", SLOW), project,
        "postgresql://vectis_int@localhost:" + db.port() + "/" + db.name() + "?sslmode=disable");
    Map<String, String> password = Map.of("PGPASSWORD", secret);
    Process run = startAsAtATerminal(command, password, log);
    awaitSlowMigration(log);
    List<ProcessHandle> children = run.descendants().toList();
    assertThat(children).isNotEmpty();

    ctrlC(run);

    String line = assertReportedOnce(run, log, 130, "SIGINT", secret);
    assertThat(line).isEqualTo("==> Interrupted (SIGINT): alembic upgrade " + SLOW
        + " was stopped and rolled back; the database is at " + HEAD);
    assertThat(versionRows(db)).isEqualTo(where(line));
    assertThat(db.tableExists("race_rows")).isFalse();
    assertNoneLeft(children);
    await().atMost(Duration.ofSeconds(10)).until(() -> db.activeStatements("pg_sleep(6)") == 0);

    assertThat(start(command, password, log).waitFor()).as(Files.readString(log)).isZero();
    assertThat(versionRows(db)).containsExactly(SLOW);
  }

  /** SIGTERM (a service manager, a CI runner's timeout) ends a run the same way, with 143. */
  @Test
  void sigtermDuringAMigration(TestDatabase db) throws Exception {
    Path project = CliProcess.slowProject(work, 6);
    alembic(db, "upgrade", "head");
    Path log = work.resolve("sigterm.log");
    List<String> command = cli(work, "migrate", resource(work, "terminated", SLOW), project,
        url(db));
    Process run = start(command, password(db), log);
    awaitSlowMigration(log);
    List<ProcessHandle> children = run.descendants().toList();

    signal("-TERM", Long.toString(run.pid()));

    String line = assertReportedOnce(run, log, 143, "SIGTERM", null);
    assertThat(where(line)).containsExactly(HEAD);
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertNoneLeft(children);

    assertThat(start(command, password(db), log).waitFor()).as(Files.readString(log)).isZero();
    assertThat(versionRows(db)).containsExactly(SLOW);
  }

  /**
   * Ctrl-C during the backup before a downgrade, after pg_dump has written a whole dump to
   * its temporary file: the backup stops, and nothing in the backup directory looks like a
   * dump that restore could take (no *.dump, no temporary file either); nothing was
   * downgraded. The next run backs up again and downgrades.
   */
  @Test
  void ctrlCDuringABackup(TestDatabase db) throws Exception {
    alembic(db, "upgrade", "head");
    Path dumped = work.resolve("dumped");
    Path slowDump = work.resolve("bin/pg_dump");
    Files.createDirectories(slowDump.getParent());
    // pg_dump writes its file, then takes its time before exiting (stopping on SIGTERM).
    Files.writeString(slowDump, "#!/bin/sh\n"
        + "[ \"$1\" != --version ] || exec " + ExternalTools.pgDump() + " --version\n"
        + ExternalTools.pgDump() + " \"$@\" || exit\n"
        + "trap 'kill $!; exit 143' TERM\nsleep 60 & touch " + dumped + "; wait $!\n");
    slowDump.toFile().setExecutable(true);
    Files.createSymbolicLink(slowDump.resolveSibling("pg_restore"),
        ExternalTools.pgDump().resolveSibling("pg_restore"));
    List<String> command = cli(work, "migrate", resource(work, "backed-up", OLDER,
        "downgrade: {allow: true}"), ProjectPaths.vectisProject(), url(db));
    List<String> slow = new ArrayList<>(command);
    slow.set(slow.indexOf("--pg-dump") + 1, slowDump.toString());
    Path log = work.resolve("backup.log");
    Process run = startAsAtATerminal(slow, password(db), log);
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(dumped));
    List<ProcessHandle> children = run.descendants().toList();
    assertThat(backupFiles()).as("the whole dump, not yet verified").isNotEmpty();

    ctrlC(run);

    String line = assertReportedOnce(run, log, 130, "SIGINT", null);
    assertThat(line).isEqualTo("==> Interrupted (SIGINT): the backup was stopped and its "
        + "partial dump removed, nothing was changed; the database is at " + HEAD);
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertNoneLeft(children);
    assertThat(backupFiles()).as("what restore could take for a backup").isEmpty();

    assertThat(start(command, password(db), log).waitFor()).as(Files.readString(log)).isZero();
    assertThat(versionRows(db)).containsExactlyInAnyOrder(OLDER, "b7c4e9a1d2f3");
    assertThat(backupFiles()).anyMatch(f -> f.getFileName().toString().endsWith(
        "-" + HEAD + ".dump"));
  }

  /**
   * Ctrl-C while restore's pg_restore runs: pg_restore stops, its one transaction rolls back,
   * the database is where it was; the restore can simply be run again.
   */
  @Test
  void ctrlCDuringARestore(TestDatabase db) throws Exception {
    alembic(db, "upgrade", "head");
    Path log = work.resolve("restore.log");
    assertThat(start(cli(work, "migrate", resource(work, "down", OLDER,
        "downgrade: {allow: true}"), ProjectPaths.vectisProject(), url(db)), password(db), log)
        .waitFor()).as(Files.readString(log)).isZero();
    List<String> before = versionRows(db);
    Path dump = backupFiles().stream().filter(f -> f.toString().endsWith("-" + HEAD + ".dump"))
        .findFirst().orElseThrow();
    Path restoring = work.resolve("restoring");
    Path slowRestore = work.resolve("bin/pg_restore");
    Files.createDirectories(slowRestore.getParent());
    // The restore itself (--clean) takes its time; the safety dump's verification does not.
    Files.writeString(slowRestore, "#!/bin/sh\n"
        + "case \" $* \" in *\" --clean \"*) ;; *) exec " + ExternalTools.pgDump()
            .resolveSibling("pg_restore") + " \"$@\" ;; esac\n"
        + "trap 'kill $!; exit 143' TERM\nsleep 60 & touch " + restoring + "; wait $!\n");
    slowRestore.toFile().setExecutable(true);
    for (String program : List.of("pg_dump", "psql")) {
      Files.createSymbolicLink(slowRestore.resolveSibling(program),
          ExternalTools.pgDump().resolveSibling(program));
    }
    List<String> restore = CliProcess.java();
    restore.addAll(List.of("restore", "--dump", dump.toString(), "--yes", "--database-url",
        url(db), "--backup-dir", work.resolve("backups").toString(), "--pg-restore",
        slowRestore.toString()));
    Process run = startAsAtATerminal(restore, password(db), log);
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(restoring));
    List<ProcessHandle> children = run.descendants().toList();

    ctrlC(run);

    String line = assertReportedOnce(run, log, 130, "SIGINT", null);
    assertThat(line).startsWith("==> Interrupted (SIGINT): pg_restore was stopped and its "
        + "transaction rolled back");
    assertThat(where(line)).containsExactlyInAnyOrderElementsOf(before);
    assertThat(versionRows(db)).containsExactlyInAnyOrderElementsOf(before);
    assertNoneLeft(children);

    restore.set(restore.size() - 1, ExternalTools.pgDump().resolveSibling("pg_restore")
        .toString());
    assertThat(start(restore, password(db), log).waitFor()).as(Files.readString(log)).isZero();
    assertThat(versionRows(db)).containsExactly(HEAD);
  }

  private List<Path> backupFiles() throws IOException {
    Path backups = work.resolve("backups");
    if (!Files.exists(backups)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(backups)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }
}
