package dev.vectis.migrations.cli;

import static dev.vectis.migrations.cli.RehearseProjects.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vectis.migrations.cli.RehearseProjects.Revision;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.ProjectPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rehearse} without --database-url: a new embedded PostgreSQL in a temporary directory,
 * gone afterwards, also after Ctrl-C; never the project's .schema-migration/pg.
 */
class RehearseEmbeddedTest {
  private static final String THROWAWAY = "schema-migration-rehearse-";

  @TempDir Path work;

  @Test
  void theSampleProjectPassesCleanAndLeavesNoDatabaseBehind() throws Exception {
    Path project = ProjectPaths.vectisProject();
    List<Path> before = throwaways(Path.of(System.getProperty("java.io.tmpdir")));
    CapturedRun run = CapturedRun.of("", "rehearse", "--project-dir", project.toString(),
        "--python", ExternalTools.python().toString());
    assertThat(run.exitCode()).as(run.stderr() + run.stdout()).isZero();
    assertThat(run.stdout()).contains("==> starting a throwaway embedded PostgreSQL",
        "==> rehearsing 5 revisions from base on a throwaway embedded PostgreSQL",
        "==> [4/5] c9d8e7f6a5b4 merge_branches",
        "rehearse: 5 revisions checked: 0 deny, 0 warn, 0 waived");
    assertThat(throwaways(Path.of(System.getProperty("java.io.tmpdir"))))
        .as("the temporary data directory is removed").isEqualTo(before);
    assertThat(project.resolve(".schema-migration")).doesNotExist();
  }

  /**
   * Ctrl-C while Alembic runs a slow upgrade: one line, exit 130, the driver and the embedded
   * server stopped and the temporary data directory removed.
   */
  @Test
  @Tag("slow")
  void ctrlCStopsTheServerAndRemovesItsDirectory() throws Exception {
    Path project = RehearseProjects.write(work.resolve("p"), ORDERS, new Revision("a2", "a1",
        "    op.execute('SELECT pg_sleep(60)')\n", "    pass\n"));
    Path tmp = Files.createDirectories(work.resolve("tmp"));
    // In a session of its own, as a terminal runs it; its temporary files under tmp.
    List<String> command = new ArrayList<>(List.of("setsid"));
    command.addAll(CliProcess.java());
    command.add(command.indexOf("-cp"), "-Djava.io.tmpdir=" + tmp);
    command.addAll(List.of("rehearse", "--project-dir", project.toString(), "--python",
        ExternalTools.python().toString()));
    Path log = work.resolve("rehearse.log");
    Process run = CliProcess.start(command, Map.of(), log);
    await().atMost(Duration.ofSeconds(90)).until(() -> Files.readString(log)
        .contains("==> [2/2] a2"));
    List<Path> directories = throwaways(tmp);
    assertThat(directories).hasSize(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> !naming(directories.get(0)).isEmpty());
    List<ProcessHandle> server = naming(directories.get(0));

    assertThat(new ProcessBuilder("kill", "-INT", "--", "-" + run.pid()).inheritIO().start()
        .waitFor()).isZero();

    int exit = run.waitFor();
    String out = Files.readString(log);
    assertThat(exit).as(out).isEqualTo(130);
    assertThat(out.lines().filter(line -> line.contains("Interrupted"))).as(out)
        .containsExactly("==> Interrupted (SIGINT): the rehearsal stopped; its throwaway "
            + "database was removed");
    assertThat(out).doesNotContain("Traceback", "Exception", "\tat ");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.stream()
        .filter(ProcessHandle::isAlive)).isEmpty());
    assertThat(naming(directories.get(0))).isEmpty();
    assertThat(throwaways(tmp)).isEmpty();
  }

  private static List<Path> throwaways(Path directory) throws Exception {
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.filter(path -> path.getFileName().toString().startsWith(THROWAWAY))
          .sorted().toList();
    }
  }

  /** The live processes whose command line names {@code path}. */
  private static List<ProcessHandle> naming(Path path) {
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      return all.filter(p -> p.info().commandLine().map(c -> c.contains(path.toString()))
          .orElse(false)).toList();
    }
  }
}
