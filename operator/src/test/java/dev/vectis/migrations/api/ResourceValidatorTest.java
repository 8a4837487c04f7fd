package dev.vectis.migrations.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.jobs.JobFactory;
import dev.vectis.migrations.plan.Action;
import dev.vectis.migrations.testing.ProjectPaths;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The run-time validator: the CRD from the class path, strict, with one line per problem. */
class ResourceValidatorTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ResourceValidator VALIDATOR = ResourceValidator.instance();

  private static ObjectNode document(String name, String namespace, String spec) {
    try {
      ObjectNode document = (ObjectNode) YAML.readTree("""
          apiVersion: migrations.vectis.dev/v1alpha1
          kind: SchemaMigration
          metadata: {}
          spec:
            image: registry.example.com/vectis/backend:1.14.0
            database: {secretRef: {name: vectis-db-app}}
          """);
      ObjectNode metadata = (ObjectNode) document.get("metadata");
      if (name != null) {
        metadata.put("name", name);
      }
      if (namespace != null) {
        metadata.put("namespace", namespace);
      }
      if (!spec.isEmpty()) {
        ((ObjectNode) document.get("spec")).setAll((ObjectNode) YAML.readTree(spec));
      }
      return document;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> problems(String spec) {
    return problems(document("vectis-backend", "shop", spec));
  }

  private static List<String> problems(ObjectNode document) {
    return VALIDATOR.checkDocument(document).stream().map(Object::toString).toList();
  }

  @Test
  void everyExampleIsValid() throws IOException {
    try (Stream<Path> files = Files.list(ProjectPaths.examples())) {
      List<Path> examples = files.filter(f -> f.toString().endsWith(".yaml")).toList();
      assertThat(examples).hasSizeGreaterThanOrEqualTo(5);
      for (Path example : examples) {
        ObjectNode document = (ObjectNode) YAML.readTree(example.toFile());
        assertThat(problems(document)).as(example.toString()).isEmpty();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"../../x", "/tmp/x", "..", ".", "x/y", "UPPER", "Vectis", "a_b", "-a",
      "a-", "a..b", ".a", "a b", "a\nb", ""})
  void hostileOrMalformedNamesAreRejected(String name) {
    List<String> problems = problems(document(name, "shop", ""));
    assertThat(problems).isNotEmpty().allSatisfy(p -> assertThat(p).startsWith("metadata.name: ")
        .doesNotContain("\n"));
  }

  @Test
  void namesFollowKubernetesRules() {
    assertThat(problems(document("a".repeat(300), "shop", ""))).containsExactly(
        "metadata.name: must be at most 253 characters long");
    assertThat(problems(document("../../x", "shop", ""))).containsExactly(
        "metadata.name: \"../../x\" is not a DNS-1123 name (lower-case letters, digits, '-' and "
            + "'.', starting and ending with a letter or digit)");
    assertThat(problems(document(null, "shop", ""))).containsExactly(
        "metadata.name: is required");
    for (String name : List.of("a", "0", "vectis-backend", "vectis.backend.v2", "a".repeat(253))) {
      assertThat(problems(document(name, "shop", ""))).as(name).isEmpty();
    }
  }

  @Test
  void namespacesAreDnsLabels() {
    for (String namespace : List.of("Shop", "a.b", "../x", "/", "", "a".repeat(64))) {
      assertThat(problems(document("vectis-backend", namespace, ""))).as(namespace)
          .isNotEmpty().allSatisfy(p -> assertThat(p).startsWith("metadata.namespace: "));
    }
    assertThat(problems(document("vectis-backend", "a.b", ""))).containsExactly(
        "metadata.namespace: \"a.b\" is not a DNS-1123 label (lower-case letters, digits and "
            + "'-', starting and ending with a letter or digit)");
    assertThat(problems(document("vectis-backend", "a".repeat(63), ""))).isEmpty();
    assertThat(problems(document("vectis-backend", null, ""))).as("default namespace").isEmpty();
  }

  static Stream<Arguments> specProblems() {
    return Stream.of(
        Arguments.of("backup: {retain: 0}", "spec.backup.retain: must be >= 1 and <= 1000"),
        Arguments.of("jobDeadlineSeconds: 5",
            "spec.jobDeadlineSeconds: must be >= 60 and <= 604800"),
        Arguments.of("seed: {when: Sometimes}",
            "spec.seed.when: must be AfterUpgrade, Always or Never"),
        Arguments.of("database: {secretRef: {name: db}, sslMode: always}",
            "spec.database.sslMode: must be allow, disable, prefer, require, verify-ca or "
                + "verify-full"),
        Arguments.of("targetRevison: head", "spec.targetRevison: unknown field"),
        Arguments.of("targetRevision: 12", "spec.targetRevision: must be a string"),
        Arguments.of("targetRevision: \"head\\n\"", "spec.targetRevision: \"head\\n\" is not an "
            + "Alembic target (head, heads, base, <id or prefix>, <label>@head, +N, -N, <id>+N, "
            + "<label>@-N)"),
        Arguments.of("targetRevision: 'head; rm -rf /'", "spec.targetRevision: \"head; rm -rf /\" "
            + "is not an Alembic target (head, heads, base, <id or prefix>, <label>@head, +N, -N, "
            + "<id>+N, <label>@-N)"),
        Arguments.of("image: \"app:1\\n\"", "spec.image: must not contain whitespace"),
        Arguments.of("backup: {retain: '5'}", "spec.backup.retain: must be an integer"),
        Arguments.of("backup: {beforeDowngrade: 'no'}",
            "spec.backup.beforeDowngrade: must be a boolean"),
        Arguments.of("backup: {storageSize: 10 GB}",
            "spec.backup.storageSize: \"10 GB\" is not a quantity such as 10Gi"),
        Arguments.of("alembic: {command: []}", "spec.alembic.command: must not be empty"),
        Arguments.of("alembic: {versionTable: 'v; DROP TABLE orders'}",
            "spec.alembic.versionTable: must match ^[A-Za-z_][A-Za-z0-9_]{0,62}$"),
        Arguments.of("alembic: {config: ''}", "spec.alembic.config: must not be empty"),
        Arguments.of("retryToken: " + "x".repeat(254),
            "spec.retryToken: must be at most 253 characters long"),
        Arguments.of("database: {secretRef: {name: db}, cnpgCluster: db}", "spec.database: "
            + "exactly one of database.secretRef and database.cnpgCluster must be set"),
        Arguments.of("database: {host: db}", "spec.database: exactly one of database.secretRef "
            + "and database.cnpgCluster must be set"),
        Arguments.of("database: {cnpgCluster: Vectis_DB}", "spec.database.cnpgCluster: "
            + "\"Vectis_DB\" is not a DNS-1123 name (lower-case letters, digits, '-' and '.', "
            + "starting and ending with a letter or digit)"),
        Arguments.of("podTemplate: {resources: {limits: {memory: true}}}",
            "spec.podTemplate.resources.limits.memory: must be an integer or a string"),
        Arguments.of("podTemplate: {labels: {app.kubernetes.io/name: 1}}",
            "spec.podTemplate.labels[\"app.kubernetes.io/name\"]: must be a string"),
        Arguments.of("podTemplate: {env: [{name: A, valu: x}]}",
            "spec.podTemplate.env[0].valu: unknown field"),
        Arguments.of("podTemplate: []", "spec.podTemplate: must be an object"),
        Arguments.of("retryToken: null", "spec.retryToken: must be a string"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specProblems")
  void eachProblemIsOneLineNamingTheField(String spec, String expected) {
    assertThat(problems(spec)).containsExactly(expected);
  }

  @Test
  void missingFieldsAndUnknownTopLevelFieldsAreNamed() throws IOException {
    ObjectNode document = document("vectis-backend", "shop", "");
    ((ObjectNode) document.get("spec")).remove("image");
    document.put("specs", "x");
    assertThat(problems(document)).containsExactlyInAnyOrder("spec.image: is required",
        "specs: unknown field");
  }

  @Test
  void nullsAreDroppedAsTheApiServerDoesSoDefaultsApply() {
    ObjectNode document = document("vectis-backend", "shop",
        "{backup: {retain: null}, seed: null, jobDeadlineSeconds: null}");
    assertThat(problems(document)).isEmpty();
    assertThat(document.get("spec").has("seed")).isFalse();
    assertThat(document.get("spec").get("backup").has("retain")).isFalse();
  }

  @Test
  void checkSpecGivesTheSameMessagesAsCheckDocument() throws IOException {
    for (Arguments arguments : specProblems().toList()) {
      String spec = (String) arguments.get()[0];
      ObjectNode document = document("vectis-backend", "shop", spec);
      List<String> fromSpec = VALIDATOR.checkSpec((ObjectNode) document.get("spec").deepCopy())
          .stream().map(Object::toString).toList();
      assertThat(fromSpec).as(spec).isEqualTo(problems(document));
    }
  }

  // --- reserved environment variables

  private static final String PASSWORD = "n0t-in-any-spec!";

  /** Every variable the operator's Jobs set, read from the Jobs JobFactory builds. */
  private static Set<String> variablesTheJobsSet() {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName("vectis-backend").withNamespace("shop")
        .withUid("6f1c0e8e-1b7a-4c55-9e0d-3a4b5c6d7e8f").withGeneration(4L).build());
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    spec.image = "registry.example.com/vectis/backend:1.14.0";
    spec.database = new DatabaseSpec();
    spec.database.cnpgCluster = "vectis-db";
    spec.seed.command = List.of("python", "-m", "vectis.core.seed");
    resource.setSpec(spec);
    JobFactory.DatabaseAccess database = new JobFactory.DatabaseAccess(new ConnectionSettings(
        "vectis-db-rw", 5432, "app", "app", PASSWORD, SslMode.REQUIRE), "vectis-db-app",
        "password", "public");
    List<Job> jobs = List.of(
        JobFactory.inspect(resource, spec.image),
        JobFactory.migrate(resource, new Action.Migrate(true, "head", spec.image,
            List.of("a3e2f1b8c9d4"), List.of("5731d674e022"), List.of()), database),
        JobFactory.seed(resource, new Action.Seed(spec.image, List.of("5731d674e022")),
            database),
        JobFactory.backup(resource, new Action.BackUp(List.of("5731d674e022")), database,
            "postgres:15-alpine", "vectis-backend-backups"));
    Set<String> names = new TreeSet<>();
    for (Job job : jobs) {
      for (Container container : job.getSpec().getTemplate().getSpec().getContainers()) {
        container.getEnv().stream().map(EnvVar::getName).forEach(names::add);
      }
    }
    return names;
  }

  static Stream<String> reservedNames() {
    Set<String> names = new TreeSet<>(variablesTheJobsSet());
    // What local mode sets for its processes.
    names.addAll(new ConnectionSettings("localhost", 5432, "app", "app", PASSWORD,
        SslMode.DISABLE).libpqEnvironment().keySet());
    names.addAll(BackupScript.environment("/backups/x", new BackupScript.Origin(
        new dev.vectis.migrations.database.DatabaseIdentity("h", 5432, "app"), "x", "shop", "x",
        List.of("5731d674e022"), "image", "alembic_version", null), "5").keySet());
    names.addAll(List.of("PGPASSWORD", "PG_DUMP", "PG_RESTORE", "PYTHONDONTWRITEBYTECODE"));
    // libpq's variables that the tool does not set but that change the connection.
    names.addAll(List.of("PGOPTIONS", "PGSERVICE", "PGSERVICEFILE", "PGPASSFILE", "PGHOSTADDR",
        "PGSSLROOTCERT", "PGTARGETSESSIONATTRS", "PGCONNECT_TIMEOUT"));
    names.addAll(List.of("DATABASE_URL", "HOME"));
    return names.stream();
  }

  @Test
  void theJobsSetTheVariablesThisTestExpects() {
    assertThat(variablesTheJobsSet()).contains("DATABASE_URL", "PGPASSWORD", "PGHOST",
        "HOME", "PYTHONDONTWRITEBYTECODE", "BACKUP_DIR");
  }

  @ParameterizedTest
  @MethodSource("reservedNames")
  void everyReservedVariableIsRejectedByName(String name) {
    List<String> problems = problems("podTemplate: {env: [{name: VECTIS_ADMIN_EMAIL, value: a}, "
        + "{name: PYTHONPATH, value: /app/src}, {name: " + name + ", value: x}]}");
    assertThat(problems).singleElement().asString()
        .startsWith("spec.podTemplate.env[2].name: " + name + " is set by the operator (")
        .endsWith("); remove it");
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"PGHOST", "HOME", "BACKUP_DIR",
      "PATH", "PYTHONPATH", "LD_PRELOAD"})
  void theUrlCannotOverwriteAVariableTheToolOrTheInterpreterReads(String name) {
    assertThat(problems("database: {secretRef: {name: db}, urlEnv: " + name + "}"))
        .singleElement().asString().startsWith("spec.database.urlEnv: " + name
            + " cannot carry the database URL (");
    assertThat(problems("database: {secretRef: {name: db}, urlEnv: VECTIS_DB_URL}")).isEmpty();
  }

  @Test
  void theMessageSaysWhereTheValueComesFrom() {
    assertThat(problems("podTemplate: {env: [{name: A}, {name: B}, {name: DATABASE_URL, "
        + "value: 'postgresql://x'}]}")).containsExactly("spec.podTemplate.env[2].name: "
        + "DATABASE_URL is set by the operator (the database comes from spec.database); remove it");
    assertThat(problems("podTemplate: {env: [{name: PGOPTIONS, value: '-c search_path=x'}]}"))
        .containsExactly("spec.podTemplate.env[0].name: PGOPTIONS is set by the operator "
            + "(libpq's settings come from spec.database); remove it");
  }

  @Test
  void theUrlVariableOfTheSpecIsReservedToo() {
    String database = "{database: {secretRef: {name: db}, urlEnv: SQLALCHEMY_URL}, ";
    assertThat(problems(database + "podTemplate: {env: [{name: SQLALCHEMY_URL, value: x}]}}"))
        .containsExactly("spec.podTemplate.env[0].name: SQLALCHEMY_URL is set by the operator "
            + "(the database comes from spec.database); remove it");
    assertThat(problems(database + "podTemplate: {env: [{name: DATABASE_URL, value: x}]}}"))
        .hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"VECTIS_ADMIN_EMAIL", "PYTHONPATH", "PATH", "pgpassword", "APG",
      "DATABASE_URL_READONLY", "HOMEPAGE", "BACKUP"})
  void otherVariablesAreAllowed(String name) {
    assertThat(problems("podTemplate: {env: [{name: " + name + ", value: x}]}")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"PG", "PG_", "P", "PGAPP_", "BACKUP_", "B", "DATABASE_", "HO",
      "PYTHONDONT"})
  void envFromPrefixesThatCouldCreateAReservedVariableAreRejected(String prefix) {
    List<String> problems = problems("podTemplate: {envFrom: [{configMapRef: {name: app}}, "
        + "{prefix: " + prefix + ", secretRef: {name: app}}]}");
    assertThat(problems).singleElement().asString()
        .startsWith("spec.podTemplate.envFrom[1].prefix: \"" + prefix + "\" could create ")
        .endsWith(", which is set by the operator; use another prefix");
  }

  @ParameterizedTest
  @ValueSource(strings = {"APP_", "VECTIS_", "X"})
  void otherEnvFromPrefixesAreAllowed(String prefix) {
    assertThat(problems("podTemplate: {envFrom: [{prefix: " + prefix
        + ", configMapRef: {name: app}}]}")).isEmpty();
  }

  // --- CEL rules and their Java twins

  @Test
  void everyCelRuleOfTheCrdHasAJavaTwinThatAgreesWithCel() throws Exception {
    JsonNode committedSchema = YAML.readTree(ProjectPaths.crd().toFile()).path("spec")
        .path("versions").get(0).path("schema").path("openAPIV3Schema");
    List<ResourceValidator.CelRule> rules = VALIDATOR.celRules();
    assertThat(rules).as("the CRD in the jar has the committed CRD's rules")
        .hasSize(countRules(committedSchema)).isNotEmpty();
    CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder()
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        .addVar("self", SimpleType.DYN).build();
    CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder().build();
    for (ResourceValidator.CelRule rule : rules) {
      assertThat(CelTwins.BY_RULE).as("Java twin of " + rule.rule()).containsKey(rule.rule());
      CelRuntime.Program program = runtime.createProgram(compiler.compile(rule.rule()).getAst());
      JsonNode schema = schemaAt(committedSchema, rule.schemaPath());
      List<ObjectNode> cases = objectsWithEverySubsetOfProperties(schema);
      Set<Boolean> outcomes = new TreeSet<>();
      for (ObjectNode self : cases) {
        boolean cel = Boolean.TRUE.equals(program.eval(Map.of("self", celValue(self))));
        boolean java = CelTwins.BY_RULE.get(rule.rule()).test(self);
        assertThat(java).as(rule.rule() + " on " + self).isEqualTo(cel);
        outcomes.add(cel);
      }
      assertThat(outcomes).as("the cases of " + rule.rule() + " make it both true and false")
          .containsExactly(false, true);
    }
  }

  private static int countRules(JsonNode schema) {
    int count = schema.path("x-kubernetes-validations").size();
    for (JsonNode child : schema.path("properties")) {
      count += countRules(child);
    }
    return count + (schema.has("items") ? countRules(schema.get("items")) : 0);
  }

  private static JsonNode schemaAt(JsonNode schema, List<String> path) {
    for (String element : path) {
      schema = element.equals("[]") ? schema.path("items")
          : schema.path("properties").path(element);
    }
    return schema;
  }

  /** Objects holding each subset of the schema's properties, with values of their types. */
  private static List<ObjectNode> objectsWithEverySubsetOfProperties(JsonNode schema) {
    List<String> properties = new ArrayList<>();
    schema.path("properties").fieldNames().forEachRemaining(properties::add);
    assertThat(properties.size()).as("properties to combine").isBetween(1, 12);
    List<ObjectNode> cases = new ArrayList<>();
    for (int subset = 0; subset < (1 << properties.size()); subset++) {
      ObjectNode self = YAML.createObjectNode();
      for (int i = 0; i < properties.size(); i++) {
        if ((subset & (1 << i)) != 0) {
          self.set(properties.get(i), sample(schema.path("properties").path(properties.get(i))));
        }
      }
      cases.add(self);
    }
    return cases;
  }

  private static JsonNode sample(JsonNode schema) {
    return switch (schema.path("type").asText()) {
      case "integer" -> YAML.getNodeFactory().numberNode(1);
      case "boolean" -> YAML.getNodeFactory().booleanNode(true);
      case "array" -> YAML.createArrayNode();
      case "object" -> {
        ObjectNode object = YAML.createObjectNode();
        schema.path("required").forEach(r -> object.set(r.asText(),
            sample(schema.path("properties").path(r.asText()))));
        yield object;
      }
      default -> YAML.getNodeFactory().textNode("a");
    };
  }

  private static Object celValue(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), celValue(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(item -> list.add(celValue(item)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    return node.asText();
  }
}
