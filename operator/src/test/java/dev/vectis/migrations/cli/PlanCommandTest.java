package dev.vectis.migrations.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.ProjectPaths;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code plan} subcommand as a user and a tool call it. */
class PlanCommandTest {
  private String stdout;
  private String stderr;

  private int run(String stdin, String... args) {
    CapturedRun run = CapturedRun.of(stdin, args);
    stdout = run.stdout();
    stderr = run.stderr();
    return run.exitCode();
  }

  @Test
  void jsonLinesAnswerEveryLineAndSurviveMalformedOnes() throws Exception {
    String graph = "[{\"revision\":\"a1\",\"down_revision\":null},"
        + "{\"revision\":\"b2\",\"down_revision\":\"a1\"}]";
    String input = String.join("\n",
        "{\"revisions\":" + graph + ",\"current\":[],\"target\":\"head\",\"direction\":\"upgrade\"}",
        "this is not json",
        "{\"revisions\":" + graph + ",\"current\":[\"b2\"],\"target\":\"-1\",\"direction\":\"downgrade\"}",
        "{\"revisions\":" + graph + ",\"target\":\"head\",\"direction\":\"sideways\"}",
        "{\"revisions\":" + graph + ",\"current\":[],\"target\":\"nope\",\"direction\":\"upgrade\"}");
    assertThat(run(input, "plan", "--jsonl")).isZero();
    List<String> lines = stdout.lines().toList();
    assertThat(lines).hasSize(5);
    JsonNode first = PlanRequests.JSON.readTree(lines.get(0));
    assertThat(first.toString()).isEqualTo("{\"ok\":true,\"resolved_target\":[\"b2\"],"
        + "\"steps\":[{\"revision\":\"a1\",\"direction\":\"up\",\"version_table_after\":[\"a1\"]},"
        + "{\"revision\":\"b2\",\"direction\":\"up\",\"version_table_after\":[\"b2\"]}],"
        + "\"final_version_table\":[\"b2\"]}");
    assertThat(lines.get(1)).startsWith("{\"ok\":false,\"error\":\"invalid request: not JSON");
    assertThat(PlanRequests.JSON.readTree(lines.get(2)).get("final_version_table").toString())
        .isEqualTo("[\"a1\"]");
    assertThat(lines.get(3)).isEqualTo("{\"ok\":false,\"error\":\"invalid request: direction: "
        + "must be \\\"upgrade\\\" or \\\"downgrade\\\"\"}");
    assertThat(lines.get(4)).isEqualTo("{\"ok\":false,\"error\":\"Can't locate revision "
        + "identified by 'nope'\"}");
  }

  @Test
  void humanPlanOfTheSampleProject() {
    int exit = run("", "plan", "--project-dir", ProjectPaths.vectisAlembicDir().toString(),
        "--python", ExternalTools.python().toString(), "--current", "", "--target", "head");
    assertThat(exit).as(stderr).isZero();
    assertThat(stdout).contains(
        "alembic upgrade head: 5 steps",
        "  Running upgrade  -> 0f5e1c2d3a4b, initial_schema",
        "  Running upgrade a3e2f1b8c9d4, b7c4e9a1d2f3 -> c9d8e7f6a5b4, merge_branches",
        "  Running upgrade c9d8e7f6a5b4 -> 5731d674e022, multi_currency",
        "alembic_version after: 5731d674e022");
  }

  @Test
  void aRefusalPrintsAlembicsFailedLine() {
    int exit = run("", "plan", "--project-dir", ProjectPaths.vectisAlembicDir().toString(),
        "--python", ExternalTools.python().toString(), "--current", "a3e2f1b8c9d4",
        "--target", "5731d674e022", "--downgrade");
    assertThat(exit).isEqualTo(PlanCommand.EXIT_REFUSED);
    assertThat(stdout).contains("FAILED: Destination 5731d674e022 is not a valid downgrade "
        + "target from current head(s)");
  }

  @Test
  void missingGraphIsAUsageError() {
    assertThat(run("", "plan", "--target", "head")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr).contains("give --jsonl, --graph FILE or --project-dir DIR");
    assertThat(run("", "plan", "--graph", "/nonexistent.json")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr).contains("/nonexistent.json is not readable");
  }
}
