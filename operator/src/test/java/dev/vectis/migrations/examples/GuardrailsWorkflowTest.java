package dev.vectis.migrations.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vectis.migrations.cli.Main;
import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.VectisProject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pull-request workflow of {@code examples/ci} does what its README says: its steps that
 * run this tool are run as GitHub Actions would run them (bash, {@code $GITHUB_ENV} carried to
 * the next steps), in a git repository of the sample project whose pull request adds the last
 * revision; the tool is this build, {@code python} the one with Alembic.
 */
@Tag("slow")
class GuardrailsWorkflowTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path temp;

  @Test
  void aCleanPullRequestPassesLintAndRehearsalFromTheBaseBranchsHead() throws Exception {
    Path repo = repository(Map.of());

    Map<String, String> env = runToolSteps(repo);

    assertThat(env.get("FROM")).isEqualTo(VectisProject.MERGE);
    assertThat(env).doesNotContainKey("LINT_FAILED");
    JsonNode sarif = new ObjectMapper().readTree(repo.resolve("lint.sarif").toFile());
    assertThat(sarif.path("version").asText()).isEqualTo("2.1.0");
    assertThat(sarif.path("runs").get(0).path("results")).isEmpty();
    assertThat(env.get("rehearse output")).contains(VectisProject.HEAD)
        .doesNotContain(VectisProject.MERGE + ":");
  }

  @Test
  void aDenyFindingFailsTheCheckAfterTheSarifUpload() throws Exception {
    Path repo = repository(Map.of(VectisProject.VERSIONS + "f00d_not_null.py", """
        from alembic import op
        import sqlalchemy as sa

        revision = "f00df00df00d"
        down_revision = "5731d674e022"
        branch_labels = None
        depends_on = None


        def upgrade():
            op.add_column("orders", sa.Column("priority", sa.Integer(), nullable=False))


        def downgrade():
            op.drop_column("orders", "priority")
        """));

    Map<String, String> env = runToolSteps(repo);

    assertThat(env.get("LINT_FAILED")).isEqualTo("1");
    JsonNode results = new ObjectMapper().readTree(repo.resolve("lint.sarif").toFile())
        .path("runs").get(0).path("results");
    assertThat(results).hasSize(1);
    assertThat(results.get(0).path("ruleId").asText()).isEqualTo("not-null-without-default");
    assertThat(results.get(0).path("locations").get(0).path("physicalLocation")
        .path("artifactLocation").path("uri").asText())
        .isEqualTo(VectisProject.VERSIONS + "f00d_not_null.py");
    assertThat(env.get("last step exit")).isEqualTo("1");
  }

  /**
   * A git repository of the sample: the base commit without the last revision, the pull
   * request's commit adding it (and {@code extra}).
   */
  private Path repository(Map<String, String> extra) throws IOException {
    Path repo = VectisProject.copy(temp.resolve("repo"), List.of(), Map.of());
    Path last = repo.resolve(VectisProject.VERSIONS + "5731d674e022_multi_currency.py");
    String lastText = Files.readString(last);
    Files.delete(last);
    git(repo, "init", "-q", "-b", "main");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "base");
    Files.writeString(last, lastText);
    for (Map.Entry<String, String> file : extra.entrySet()) {
      Files.writeString(repo.resolve(file.getKey()), file.getValue());
    }
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "pull request");
    return repo;
  }

  private static void git(Path repo, String... args) {
    List<String> command = new ArrayList<>(List.of("git", "-c", "user.name=t", "-c",
        "user.email=t@example.com"));
    command.addAll(List.of(args));
    ProcessRunner.Result result = ProcessRunner.run(repo, Map.of(), Duration.ofMinutes(1),
        command);
    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  /**
   * Runs the workflow's steps that call the tool, in order, as Actions would; returns the
   * environment they left, with the rehearsal's output and the last step's exit code.
   */
  private Map<String, String> runToolSteps(Path repo) throws Exception {
    JsonNode workflow = YAML.readTree(ProjectPaths.examples()
        .resolve("ci/migration-guardrails.yaml").toFile());
    Path bin = Files.createDirectories(temp.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("python"), Path.of("/usr/bin/python3"));
    Path smig = bin.resolve("smig");
    Files.writeString(smig, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"),
        "bin", "java") + "' -cp '" + System.getProperty("java.class.path") + "' "
        + Main.class.getName() + " \"$@\"\n");
    Files.setPosixFilePermissions(smig, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path githubEnv = temp.resolve("github-env");
    Files.writeString(githubEnv, "");
    Path runnerTemp = Files.createDirectories(temp.resolve("runner"));

    Map<String, String> env = new HashMap<>();
    workflow.path("env").fields().forEachRemaining(e -> env.put(e.getKey(),
        e.getValue().asText()));
    env.put("BASE_REF", head(repo, "HEAD~1"));
    env.put("SMIG", smig.toString());
    env.put("RUNNER_TEMP", runnerTemp.toString());
    env.put("GITHUB_ENV", githubEnv.toString());
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    env.put("SCHEMA_MIGRATION_GRAPH_CACHE", "off");
    int steps = 0;
    for (JsonNode step : workflow.path("jobs").path("guardrails").path("steps")) {
      String run = step.path("run").asText("");
      boolean lastStep = step.path("name").asText("").startsWith("Fail on a deny");
      if (!run.contains("$SMIG") && !lastStep) {
        continue; // checkout, setup-python/java, building the tool, uploads
      }
      if (lastStep && !"1".equals(env.get("LINT_FAILED"))) {
        continue; // its `if:` is false
      }
      ProcessRunner.Result result = ProcessRunner.run(repo, env, Duration.ofMinutes(5),
          List.of("bash", "-e", "-o", "pipefail", "-c", run));
      steps++;
      for (String line : Files.readAllLines(githubEnv)) {
        int equals = line.indexOf('=');
        if (equals > 0) {
          env.put(line.substring(0, equals), line.substring(equals + 1));
        }
      }
      if (step.path("name").asText().startsWith("Rehearse")) {
        env.put("rehearse output", result.output());
      }
      env.put("last step exit", String.valueOf(result.exitCode()));
      if (!lastStep) {
        assertThat(result.exitCode()).as(step.path("name").asText() + ": "
            + result.output()).isZero();
      }
    }
    assertThat(steps).as("steps that run the tool").isGreaterThanOrEqualTo(3);
    return env;
  }

  private static String head(Path repo, String ref) {
    ProcessRunner.Result result = ProcessRunner.run(repo, Map.of(), Duration.ofMinutes(1),
        List.of("git", "rev-parse", ref));
    return result.output().strip();
  }
}
