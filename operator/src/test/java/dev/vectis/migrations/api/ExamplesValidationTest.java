package dev.vectis.migrations.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vectis.migrations.testing.ProjectPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The examples/ documents are valid against our CRD, and typical mistakes are rejected. */
class ExamplesValidationTest {
  private static CrdSchemaValidator validator;

  @BeforeAll
  static void loadCrd() throws IOException {
    validator = new CrdSchemaValidator(ProjectPaths.crd());
  }

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> files = Files.list(ProjectPaths.examples())) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("examples")
  void everyExampleIsValid(Path example) throws IOException {
    JsonNode document = CrdSchemaValidator.YAML.readTree(example.toFile());
    assertThat(validator.validate(document)).as(example.toString()).isEmpty();
    // The operator reads the same document into its API classes.
    SchemaMigration resource =
        CrdSchemaValidator.YAML.treeToValue(document, SchemaMigration.class);
    assertThat(resource.getSpec().image).isNotBlank();
  }

  @Test
  void thereIsAnExampleForEachCommonUse() throws IOException {
    assertThat(examples().map(p -> p.getFileName().toString())).contains(
        "track-head.yaml", "pinned-revision.yaml", "downgrade-with-backup.yaml",
        "cnpg-cluster.yaml", "with-seed.yaml", "with-guardrails.yaml",
        "rollback-with-approval.yaml");
  }

  @Test
  void everyCelRuleIsEvaluated() {
    assertThat(validator.celRuleCount()).isEqualTo(1);
    assertThat(validator.validate(withDatabase("{}")))
        .containsExactly(".spec.database: exactly one of database.secretRef and "
            + "database.cnpgCluster must be set");
  }

  @ParameterizedTest
  @ValueSource(strings = {"head", "heads", "base", "5731d674e022", "5731", "a", "audit@head",
      "audit@heads", "audit@base", "audit@5731d674e022", "+1", "-1", "+12", "5731d674e022+2",
      "c9d8-1", "audit@-1", "audit@+1", "base-1", "head-2", "heads+1", "rel_2.1@head"})
  void everyAlembicTargetFormIsAccepted(String target) throws IOException {
    assertThat(validator.validate(withTarget(target))).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"; rm -rf /", "head; DROP TABLE orders", "head ", " head", "'head'",
      "\"head\"", "$(id)", "`id`", "head\nbase", "a b", "", "@head", "head@", "+", "--1",
      "a:b", "head|cat", "label@@head"})
  void hostileOrMalformedTargetsAreRejected(String target) throws IOException {
    assertThat(validator.validate(withTarget(target)))
        .singleElement().asString().startsWith("$.spec.targetRevision: ");
  }

  static Stream<Arguments> invalidDocuments() {
    return Stream.of(
        Arguments.of("missing image", "", "database: {secretRef: {name: db}}",
            "$.spec: required property 'image' not found"),
        Arguments.of("missing database", "image: app:1", "",
            "$.spec: required property 'database' not found"),
        Arguments.of("both secretRef and cnpgCluster", "image: app:1",
            "database: {secretRef: {name: db}, cnpgCluster: db}",
            ".spec.database: exactly one of database.secretRef and database.cnpgCluster must be set"),
        Arguments.of("hostile versionTable", "image: app:1\nalembic: {versionTable: "
            + "'alembic_version; DROP TABLE orders'}", "database: {secretRef: {name: db}}",
            "$.spec.alembic.versionTable: does not match the regex pattern"),
        Arguments.of("quoted schema", "image: app:1\nalembic: {versionTableSchema: 'pub\"lic'}",
            "database: {secretRef: {name: db}}",
            "$.spec.alembic.versionTableSchema: does not match the regex pattern"),
        Arguments.of("64-character table", "image: app:1\nalembic: {versionTable: "
            + "a" + "b".repeat(63) + "}", "database: {secretRef: {name: db}}",
            "$.spec.alembic.versionTable: does not match the regex pattern"),
        Arguments.of("negative retain", "image: app:1\nbackup: {retain: -1}",
            "database: {secretRef: {name: db}}",
            "$.spec.backup.retain: must have a minimum value of 1"),
        Arguments.of("short deadline", "image: app:1\njobDeadlineSeconds: 5",
            "database: {secretRef: {name: db}}",
            "$.spec.jobDeadlineSeconds: must have a minimum value of 60"),
        Arguments.of("unknown seed.when", "image: app:1\nseed: {when: Sometimes}",
            "database: {secretRef: {name: db}}",
            "$.spec.seed.when: does not have a value in the enumeration"),
        Arguments.of("secret name not DNS-1123", "image: app:1",
            "database: {secretRef: {name: Vectis_DB}}",
            "$.spec.database.secretRef.name: does not match the regex pattern"),
        Arguments.of("unknown sslMode", "image: app:1",
            "database: {secretRef: {name: db}, sslMode: always}",
            "$.spec.database.sslMode: does not have a value in the enumeration"),
        Arguments.of("image with a space", "image: 'app:1 --privileged'",
            "database: {secretRef: {name: db}}",
            "$.spec.image: does not match the regex pattern"),
        Arguments.of("misspelt field", "image: app:1\ntargetRevison: head",
            "database: {secretRef: {name: db}}",
            "$.spec: property 'targetRevison' is not defined in the schema"),
        Arguments.of("rehearsal without its Secret", "image: app:1\nrehearsal: {}",
            "database: {secretRef: {name: db}}",
            "$.spec.rehearsal: required property 'databaseSecretRef' not found"),
        Arguments.of("unknown rule severity", "image: app:1\npolicy: {rules: {raw-sql: "
            + "error}}", "database: {secretRef: {name: db}}",
            "$.spec.policy.rules.raw-sql: does not have a value in the enumeration"),
        Arguments.of("approval in lower case", "image: app:1\napproval: {required: "
            + "downgrade}", "database: {secretRef: {name: db}}",
            "$.spec.approval.required: does not have a value in the enumeration"),
        Arguments.of("history beyond 50", "image: app:1\nhistory: {limit: 51}",
            "database: {secretRef: {name: db}}",
            "$.spec.history.limit: must have a maximum value of 50"),
        Arguments.of("no history", "image: app:1\nhistory: {limit: 0}",
            "database: {secretRef: {name: db}}",
            "$.spec.history.limit: must have a minimum value of 1"),
        Arguments.of("PVC name not DNS-1123", "image: app:1\nbackup: {persistentVolumeClaim: "
            + "'../etc'}", "database: {secretRef: {name: db}}",
            "$.spec.backup.persistentVolumeClaim: does not match the regex pattern"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidDocuments")
  void invalidDocumentsAreRejectedWithAClearMessage(String description, String spec,
      String database, String expectedMessage) throws IOException {
    String yaml = """
        apiVersion: migrations.vectis.dev/v1alpha1
        kind: SchemaMigration
        metadata: {name: broken, namespace: shop}
        spec:
        """ + indent(spec) + indent(database);
    List<String> messages = validator.validate(CrdSchemaValidator.YAML.readTree(yaml));
    assertThat(messages).as(description).singleElement().asString().startsWith(expectedMessage);
  }

  private static String indent(String block) {
    return block.isEmpty() ? "" : block.indent(2);
  }

  private static JsonNode withTarget(String target) throws IOException {
    ObjectNode document = (ObjectNode) CrdSchemaValidator.YAML.readTree(
        ProjectPaths.examples().resolve("track-head.yaml").toFile());
    ((ObjectNode) document.get("spec")).put("targetRevision", target);
    return document;
  }

  private static JsonNode withDatabase(String databaseJson) {
    try {
      ObjectNode document = (ObjectNode) CrdSchemaValidator.YAML.readTree(
          ProjectPaths.examples().resolve("track-head.yaml").toFile());
      ((ObjectNode) document.get("spec")).set("database",
          CrdSchemaValidator.YAML.readTree(databaseJson));
      return document;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every document of a YAML file that may hold several. */
  private static List<JsonNode> documents(Path file) throws IOException {
    try (com.fasterxml.jackson.dataformat.yaml.YAMLParser parser =
        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory().createParser(file.toFile())) {
      return CrdSchemaValidator.YAML.readValues(parser, JsonNode.class).readAll().stream()
          .filter(document -> document != null && document.has("kind")).toList();
    }
  }

  private static JsonNode ofKind(List<JsonNode> documents, String kind) {
    return documents.stream().filter(d -> d.path("kind").asText().equals(kind)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind));
  }

  /**
   * A Deployment's wait init container: the operator's image, a command line the CLI accepts,
   * naming {@code migration} and the app container's own image; and its ServiceAccount.
   */
  private static void assertWaitsFor(JsonNode deployment, JsonNode migration) {
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    JsonNode init = pod.path("initContainers").get(0);
    assertThat(init.path("image").asText()).startsWith("ghcr.io/vectis/schema-migration-operator:");
    List<String> args = new java.util.ArrayList<>();
    init.path("args").forEach(arg -> args.add(arg.asText()));
    java.util.Map<String, String> parsed = dev.vectis.migrations.cli.CliParsing.parse(args);
    assertThat(args.get(0)).isEqualTo("wait");
    assertThat(parsed).containsEntry("--namespace", migration.path("metadata").path("namespace")
        .asText()).containsEntry("--name", migration.path("metadata").path("name").asText())
        .containsEntry("--image", pod.path("containers").get(0).path("image").asText())
        .containsEntry("--timeout", "PT10M");
    assertThat(deployment.path("metadata").path("namespace").asText())
        .isEqualTo(migration.path("metadata").path("namespace").asText());
    assertThat(pod.path("serviceAccountName").asText()).isNotBlank();
  }

  @Test
  void theAppWithWaitExampleWaitsForItsMigrationWithTheRbacItNeeds() throws IOException {
    Path folder = ProjectPaths.examples().resolve("app-with-wait");
    JsonNode migration = CrdSchemaValidator.YAML.readTree(
        folder.resolve("schemamigration.yaml").toFile());
    assertThat(validator.validate(migration)).isEmpty();
    List<JsonNode> documents = documents(folder.resolve("deployment.yaml"));
    JsonNode deployment = ofKind(documents, "Deployment");
    assertWaitsFor(deployment, migration);

    String serviceAccount = deployment.path("spec").path("template").path("spec")
        .path("serviceAccountName").asText();
    assertThat(ofKind(documents, "ServiceAccount").path("metadata").path("name").asText())
        .isEqualTo(serviceAccount);
    JsonNode binding = ofKind(documents, "RoleBinding");
    assertThat(binding.path("subjects").get(0).path("name").asText()).isEqualTo(serviceAccount);
    JsonNode role = ofKind(documents, "Role");
    assertThat(binding.path("roleRef").path("name").asText())
        .isEqualTo(role.path("metadata").path("name").asText());
    assertThat(role.path("rules").toString()).contains("\"schemamigrations\"", "\"watch\"",
        "\"configmaps\"").doesNotContain("secrets", "\"*\"");
    assertThat(Files.readString(folder.resolve("README.md"))).contains("wait --namespace shop "
        + "--name vectis-backend --image registry.example.com/vectis/backend:1.14.0");
  }

  @Test
  void gitOpsExamplesOrderTheMigrationBeforeTheApp() throws IOException {
    List<JsonNode> argo = documents(ProjectPaths.examples().resolve("gitops/argocd/"
        + "application.yaml"));
    JsonNode migration = ofKind(argo, "SchemaMigration");
    assertThat(validator.validate(migration)).isEmpty();
    JsonNode deployment = ofKind(argo, "Deployment");
    String wave = "argocd.argoproj.io/sync-wave";
    assertThat(Integer.parseInt(migration.path("metadata").path("annotations").path(wave)
        .asText())).as("the SchemaMigration syncs in an earlier wave").isLessThan(
        Integer.parseInt(deployment.path("metadata").path("annotations").path(wave).asText()));
    assertWaitsFor(deployment, migration);

    List<JsonNode> flux = documents(ProjectPaths.examples().resolve("gitops/flux/"
        + "kustomization.yaml"));
    JsonNode migrationKustomization = flux.stream().filter(d -> d.path("spec").path("dependsOn")
        .isMissingNode()).findFirst().orElseThrow();
    assertThat(migrationKustomization.path("spec").path("wait").asBoolean()).isTrue();
    assertThat(flux).anySatisfy(app -> assertThat(app.path("spec").path("dependsOn").path(0)
        .path("name").asText()).isEqualTo(migrationKustomization.path("metadata").path("name")
        .asText()));
  }
}
