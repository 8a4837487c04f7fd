package dev.vectis.migrations.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.plan.SpecValidator;
import dev.vectis.migrations.testing.ProjectPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading a SchemaMigration file: strict YAML, one document, the same validator everywhere. */
class ResourceFileTest {
  @TempDir Path work;

  private static final String HEADER = """
      apiVersion: migrations.vectis.dev/v1alpha1
      kind: SchemaMigration
      """;

  private static String resource(String name, String... specLines) {
    StringBuilder yaml = new StringBuilder(HEADER)
        .append("metadata: {name: ").append(name).append(", namespace: shop}\n")
        .append("spec:\n  image: registry.example.com/vectis/backend:1.14.0\n")
        .append("  database: {secretRef: {name: vectis-db-app}}\n");
    for (String line : specLines) {
      yaml.append("  ").append(line).append('\n');
    }
    return yaml.toString();
  }

  private Path file(String yaml) throws IOException {
    return Files.writeString(work.resolve("smig-" + Math.abs(yaml.hashCode()) + ".yaml"), yaml);
  }

  private String error(String yaml) throws IOException {
    return error(yaml, null);
  }

  private String error(String yaml, String name) throws IOException {
    Path file = file(yaml);
    try {
      ResourceFile.read(file, name);
    } catch (ResourceFile.InvalidInput e) {
      assertThat(e.getMessage()).startsWith(file + ": ").doesNotContain("\n", "Exception");
      return e.getMessage().substring(file.toString().length() + 2);
    }
    throw new AssertionError("accepted: " + yaml);
  }

  private SchemaMigration read(String yaml, String name) throws IOException,
      ResourceFile.InvalidInput {
    return ResourceFile.read(file(yaml), name);
  }

  @Test
  void everyExampleIsRead() throws Exception {
    try (Stream<Path> files = Files.list(ProjectPaths.examples())) {
      for (Path example : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        SchemaMigration resource = ResourceFile.read(example, null);
        assertThat(resource.getSpec().image).as(example.toString()).isNotBlank();
      }
    }
  }

  /**
   * What lets the decision skip its own check of a spec read from a file
   * (SpecValidator.checkedWithItsDocument): a document without problems binds to a spec
   * without problems, defaults included; and a spec changed afterwards is checked in full.
   */
  @Test
  void aCheckedDocumentBindsToACheckedSpec() throws Exception {
    ObjectMapper json = new ObjectMapper().setSerializationInclusion(
        com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);
    try (Stream<Path> files = Files.list(ProjectPaths.examples())) {
      for (Path example : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        SchemaMigration resource = ResourceFile.read(example, null);
        assertThat(dev.vectis.migrations.api.ResourceValidator.instance().checkSpec(
            json.valueToTree(resource.getSpec()))).as(example.toString()).isEmpty();
        assertThat(SpecValidator.problems(resource.getSpec(), false)).isEmpty();
        resource.getSpec().targetRevision = "not a target!";
        assertThat(SpecValidator.problems(resource.getSpec(), false)).as(example.toString())
            .singleElement().asString().startsWith("spec.targetRevision");
      }
    }
  }

  static Stream<Arguments> coercedScalars() {
    return Stream.of(
        Arguments.of("targetRevision: 012345670123", "spec.targetRevision: must be a string; "
            + "YAML reads 012345670123 as a number: quote it (\"012345670123\")"),
        Arguments.of("targetRevision: 0123e4567890", "spec.targetRevision: must be a string; "
            + "YAML reads 0123e4567890 as a number: quote it (\"0123e4567890\")"),
        Arguments.of("targetRevision: 5731", "spec.targetRevision: must be a string; "
            + "YAML reads 5731 as a number: quote it (\"5731\")"),
        Arguments.of("targetRevision: 1e10", "spec.targetRevision: must be a string; "
            + "YAML reads 1e10 as a number: quote it (\"1e10\")"),
        Arguments.of("backup: {image: 1.0}", "spec.backup.image: must be a string; "
            + "YAML reads 1.0 as a number: quote it (\"1.0\")"),
        Arguments.of("retryToken: yes", "spec.retryToken: must be a string; "
            + "YAML reads yes as a boolean: quote it (\"yes\")"),
        Arguments.of("retryToken: off", "spec.retryToken: must be a string; "
            + "YAML reads off as a boolean: quote it (\"off\")"),
        Arguments.of("retryToken: ~", "spec.retryToken: must be a string; "
            + "YAML reads ~ as null: quote it (\"~\")"),
        Arguments.of("retryToken:", "spec.retryToken: must be a string; "
            + "YAML reads an empty value as null: quote it (\"\")"),
        Arguments.of("seed: {command: [python, -m, 3]}", "spec.seed.command[2]: must be a "
            + "string; YAML reads 3 as a number: quote it (\"3\")"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("coercedScalars")
  void anUnquotedNumberBooleanOrNullForAStringSaysQuoteIt(String line, String expected)
      throws IOException {
    assertThat(error(resource("vectis-backend", line))).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"targetRevision: '012345670123'", "targetRevision: \"0123e4567890\"",
      "targetRevision: !!str 5731", "retryToken: 'yes'", "retryToken: 2024-01-01",
      "backup: {image: 'postgres:16'}"})
  void quotedOrTaggedValuesAreStrings(String line) throws Exception {
    assertThat(read(resource("vectis-backend", line), null).getSpec()).isNotNull();
  }

  @Test
  void valuesAreReadAsKubectlReadsThem() throws Exception {
    SchemaMigration resource = read(resource("vectis-backend",
        "targetRevision: '012345670123'", "backup: {retain: 010, beforeDowngrade: off}",
        "retryToken: 2024-01-01"), null);
    assertThat(resource.getSpec().targetRevision).isEqualTo("012345670123");
    assertThat(resource.getSpec().backup.retain).as("YAML 1.1 octal").isEqualTo(8);
    assertThat(resource.getSpec().backup.beforeDowngrade).isFalse();
    assertThat(resource.getSpec().retryToken).isEqualTo("2024-01-01");
    assertThat(resource.getMetadata().getNamespace()).isEqualTo("shop");
  }

  /** spec.podTemplate is read apart from the rest (see ResourceFile): all of it, still. */
  @Test
  void aPodTemplateIsReadInFullAndItsAbsenceLeavesTheDefault() throws Exception {
    SchemaMigration resource = read(resource("vectis-backend",
        "podTemplate: {serviceAccountName: migrator, env: [{name: LOG_LEVEL, value: debug}], "
            + "tolerations: [{key: dedicated, operator: Equal, value: db, effect: NoSchedule}], "
            + "resources: {limits: {memory: 256Mi}}, nodeSelector: {pool: db}}"), null);
    assertThat(resource.getSpec().podTemplate.serviceAccountName).isEqualTo("migrator");
    assertThat(resource.getSpec().podTemplate.env).singleElement()
        .satisfies(env -> assertThat(env.getValue()).isEqualTo("debug"));
    assertThat(resource.getSpec().podTemplate.tolerations.get(0).getEffect())
        .isEqualTo("NoSchedule");
    assertThat(resource.getSpec().podTemplate.resources.getLimits().get("memory").toString())
        .isEqualTo("256Mi");
    assertThat(resource.getSpec().podTemplate.nodeSelector).containsEntry("pool", "db");
    assertThat(resource.getSpec().image).isNotBlank();

    SchemaMigration without = read(resource("vectis-backend", "targetRevision: head"), null);
    assertThat(without.getSpec().podTemplate).isNotNull();
    assertThat(without.getSpec().podTemplate.env).isNull();
  }

  @Test
  void aNumberWhereANumberBelongsIsNotAStringProblem() throws IOException {
    assertThat(error(resource("vectis-backend", "backup: {retain: '5'}")))
        .isEqualTo("spec.backup.retain: must be an integer");
  }

  @Test
  void nullsOfOtherFieldsAreDroppedSoDefaultsApply() throws Exception {
    SchemaMigration resource = read(resource("vectis-backend", "backup: {retain: ~}",
        "jobDeadlineSeconds:", "seed:"), null);
    assertThat(resource.getSpec().backup.retain).isEqualTo(5);
    assertThat(resource.getSpec().jobDeadlineSeconds).isEqualTo(3600);
    assertThat(resource.getSpec().seed.when).isNotNull();
  }

  @Test
  void duplicateKeysAreRejectedWithTheirLines() throws IOException {
    assertThat(error(resource("vectis-backend", "targetRevision: head",
        "targetRevision: base"))).isEqualTo("spec.targetRevision: duplicate key (lines 7 and 8)");
    assertThat(error(resource("vectis-backend", "backup: {retain: 3, retain: 4}")))
        .isEqualTo("spec.backup.retain: duplicate key (lines 7 and 7)");
    assertThat(error(HEADER + "kind: SchemaMigration\nmetadata: {name: a}\nspec: {}\n"))
        .isEqualTo("kind: duplicate key (lines 2 and 3)");
  }

  @Test
  void mergeKeysAndOtherMistakesAreOneLine() throws IOException {
    assertThat(error(resource("vectis-backend", "base: &b {retain: 3}",
        "backup: {<<: *b}"))).contains("YAML merge keys are not supported");
    assertThat(error("spec: [unclosed\n")).startsWith("not valid YAML at line ");
    assertThat(error("")).isEqualTo("expected one SchemaMigration document");
    assertThat(error("- a\n- b\n")).isEqualTo(
        "line 1: expected a SchemaMigration document (a mapping)");
    assertThat(error("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"))
        .isEqualTo("expected kind SchemaMigration, apiVersion migrations.vectis.dev/v1alpha1; "
            + "found kind Deployment, apiVersion apps/v1");
    assertThat(error(HEADER + "metadata: {name: a}\n")).isEqualTo("spec: is required");
  }

  @ParameterizedTest
  @ValueSource(strings = {"../../x", "/tmp/x", "UPPER", "a/b", "'..'"})
  void hostileNamesAreRejected(String name) throws IOException {
    assertThat(error(resource(name))).startsWith("metadata.name: \"")
        .contains("is not a DNS-1123 name");
  }

  @Test
  void aLongNameIsRejectedAndTheNamespaceDefaults() throws Exception {
    assertThat(error(resource("a".repeat(300))))
        .isEqualTo("metadata.name: must be at most 253 characters long");
    SchemaMigration resource = read(HEADER + "metadata: {name: vectis-backend}\nspec: "
        + "{image: 'app:1', database: {cnpgCluster: db}}\n", null);
    assertThat(resource.getMetadata().getNamespace()).isEqualTo("default");
  }

  private static final String THREE = resource("a") + "---\n" + resource("b") + "---\n"
      + resource("c", "targetRevision: base") + "---\n";

  @Test
  void aFileWithSeveralDocumentsNeedsName() throws Exception {
    assertThat(error(THREE)).isEqualTo("holds 3 SchemaMigrations (a, b, c): pick one with "
        + "--name");
    SchemaMigration c = read(THREE, "c");
    assertThat(c.getMetadata().getName()).isEqualTo("c");
    assertThat(c.getSpec().targetRevision).isEqualTo("base");
    assertThat(error(THREE, "d")).isEqualTo("holds no SchemaMigrations named d (it holds: a, b, "
        + "c)");
    assertThat(error(resource("a") + "---\n" + resource("a"), "a"))
        .isEqualTo("holds 2 SchemaMigrations named a");

    String withSecret = "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n---\n"
        + resource("a");
    assertThat(error(withSecret)).isEqualTo("holds 2 documents, 1 of them SchemaMigrations (a): "
        + "pick one with --name");
    assertThat(read(withSecret, "a").getMetadata().getName()).isEqualTo("a");
    assertThat(error(resource("a"), "b")).isEqualTo("holds SchemaMigration a, not b");
    assertThat(read(resource("a"), "a").getMetadata().getName()).isEqualTo("a");
  }

  @Test
  void onlyTheChosenDocumentIsValidated() throws Exception {
    String yaml = resource("a", "backup: {retain: 0}") + "---\n" + resource("b");
    assertThat(read(yaml, "b").getMetadata().getName()).isEqualTo("b");
    assertThat(error(yaml, "a")).isEqualTo("spec.backup.retain: must be >= 1 and <= 1000");
  }

  /** The operator's path (SpecValidator on the API classes) says what local mode says. */
  @ParameterizedTest
  @ValueSource(strings = {"backup: {retain: 0}", "jobDeadlineSeconds: 30",
      "targetRevision: 'head; rm -rf /'", "alembic: {versionTable: 'a b'}",
      "podTemplate: {env: [{name: PGHOST, value: evil.example}]}",
      "podTemplate: {envFrom: [{prefix: PG, configMapRef: {name: x}}]}",
      "database: {secretRef: {name: db}, cnpgCluster: db}",
      "database: {cnpgCluster: db, urlEnv: 'A-B'}"})
  void theOperatorsValidatorSaysTheSame(String line) throws Exception {
    String yaml = resource("vectis-backend").replace(
        "  database: {secretRef: {name: vectis-db-app}}\n", line.startsWith("database")
            ? "" : "  database: {secretRef: {name: vectis-db-app}}\n") + "  " + line + "\n";
    String local = error(yaml);
    SchemaMigration unchecked = new ObjectMapper(new YAMLFactory())
        .readValue(file(yaml).toFile(), SchemaMigration.class);
    List<String> operator = SpecValidator.problems(unchecked.getSpec(), true);
    assertThat(operator).isNotEmpty();
    assertThat(String.join("; ", operator)).isEqualTo(local);
  }

  // --- local mode end to end

  @Test
  void migrateWithAHostileNameExitsTwoWithOneLineAndWritesNothing() throws IOException {
    Path root = Files.createDirectories(work.resolve("a/b/c"));
    Path hostile = Files.writeString(root.resolve("hostile.yaml"), resource("../../x"));
    Path absolute = Files.writeString(root.resolve("absolute.yaml"),
        resource(work.resolve("abs").toString()));
    boolean defaultDirExisted = Files.exists(Path.of(".schema-migration"));
    for (String command : List.of("migrate", "status")) {
      for (Path file : List.of(hostile, absolute)) {
        CapturedRun run = CapturedRun.of("", command, "-f", file.toString(), "--project-dir",
            ProjectPaths.vectisProject().toString(), "--data-dir", root.resolve("pg").toString(),
            "--backup-dir", root.resolve("backups").toString());
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(2);
        assertThat(run.stderr().lines()).singleElement().asString()
            .startsWith(command + ": " + file + ": metadata.name: \"")
            .contains("is not a DNS-1123 name");
        assertThat(run.stdout()).isEmpty();
      }
    }
    try (Stream<Path> files = Files.walk(work)) {
      assertThat(files.filter(Files::isRegularFile)).containsExactlyInAnyOrder(hostile,
          absolute);
    }
    assertThat(Files.exists(Path.of(".schema-migration"))).isEqualTo(defaultDirExisted);
  }

  @Test
  void nameOptionPicksTheDocument() throws IOException {
    Path three = file(THREE);
    CapturedRun run = CapturedRun.of("", "status", "-f", three.toString(), "--project-dir",
        work.resolve("nowhere").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr().strip()).isEqualTo("status: " + three
        + ": holds 3 SchemaMigrations (a, b, c): pick one with --name");

    run = CapturedRun.of("", "status", "-f", three.toString(), "--name", "b", "--project-dir",
        work.resolve("nowhere").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr().strip()).as("b was read; the next check speaks")
        .isEqualTo("status: --project-dir " + work.resolve("nowhere") + ": no such directory");
  }

  @Test
  void aReservedVariableIsRefusedBeforeAnythingRuns() throws IOException {
    Path file = file(resource("vectis-backend",
        "podTemplate: {env: [{name: PGPASSWORD, value: hunter2}]}"));
    CapturedRun run = CapturedRun.of("", "migrate", "-f", file.toString(), "--project-dir",
        ProjectPaths.vectisProject().toString(), "--data-dir", work.resolve("pg").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.stderr().strip()).isEqualTo("migrate: " + file + ": spec.podTemplate.env[0]"
        + ".name: PGPASSWORD is set by the operator (libpq's settings come from spec.database); "
        + "remove it").doesNotContain("hunter2");
    assertThat(work.resolve("pg")).doesNotExist();
  }

  @Test
  void aBadFileNeverShowsAStackTrace() {
    assertThatThrownBy(() -> ResourceFile.read(work.resolve("missing.yaml"), null))
        .hasMessage(work.resolve("missing.yaml") + ": no such file");
  }
}
