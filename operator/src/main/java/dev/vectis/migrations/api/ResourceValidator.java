package dev.vectis.migrations.api;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.regex.RegularExpression;
import com.networknt.schema.regex.RegularExpressionFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Validates a SchemaMigration as the API server does with our CRD, from the CRD itself (the
 * copy the build puts in the jar): its {@code openAPIV3Schema} with strict types and unknown
 * fields rejected (as {@code kubectl apply}'s strict field validation does), its CEL rules
 * through {@link CelTwins}, {@code metadata.name} and {@code namespace} as DNS-1123 names, and
 * no {@link ReservedEnvironment reserved variable} in {@code spec.podTemplate}. Local mode checks
 * whole documents, the operator the specs it is given; both get the same one-line messages.
 */
public final class ResourceValidator {
  /** Where the build puts the generated CRD (so it is inside the jar). */
  public static final String CRD_RESOURCE =
      "/META-INF/fabric8/schemamigrations.migrations.vectis.dev-v1.yml";

  /** What the API server checks in metadata; the CRD's schema leaves it out. */
  private static final String METADATA_SCHEMA = """
      {"type": "object", "required": ["name"],
       "properties": {
         "name": {"type": "string", "maxLength": 253, "pattern": "%s"},
         "namespace": {"type": "string", "maxLength": 63, "pattern": "%s"},
         "labels": {"type": "object", "additionalProperties": {"type": "string"}},
         "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
         "generateName": {"type": "string"}, "uid": {"type": "string"},
         "resourceVersion": {"type": "string"}, "generation": {"type": "integer"},
         "creationTimestamp": {"type": "string"}, "deletionTimestamp": {"type": "string"},
         "deletionGracePeriodSeconds": {"type": "integer"},
         "finalizers": {"type": "array", "items": {"type": "string"}},
         "ownerReferences": {"type": "array"}, "managedFields": {"type": "array"}}}
      """.formatted(json(ApiPatterns.DNS1123_SUBDOMAIN), json(ApiPatterns.DNS1123_LABEL));

  /** The messages of the patterns we own; other patterns are quoted as they are. */
  private static final Map<String, String> PATTERN_MESSAGES = Map.of(
      ApiPatterns.TARGET_REVISION, "%s is not an Alembic target (head, heads, base, <id or "
          + "prefix>, <label>@head, +N, -N, <id>+N, <label>@-N)",
      ApiPatterns.DNS1123_SUBDOMAIN, "%s is not a DNS-1123 name (lower-case letters, digits, "
          + "'-' and '.', starting and ending with a letter or digit)",
      ApiPatterns.DNS1123_LABEL, "%s is not a DNS-1123 label (lower-case letters, digits and "
          + "'-', starting and ending with a letter or digit)",
      ApiPatterns.SQL_IDENTIFIER, "must match " + ApiPatterns.SQL_IDENTIFIER,
      ApiPatterns.ENV_VAR_NAME, "must be an environment variable name",
      ApiPatterns.IMAGE, "must not contain whitespace",
      ApiPatterns.QUANTITY, "%s is not a quantity such as 10Gi");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** One problem: the field's path ({@code spec.podTemplate.env[2].name}) and what is wrong. */
  public record Problem(String field, String message, JsonPointer pointer, String keyword) {
    public Problem withMessage(String newMessage) {
      return new Problem(field, newMessage, pointer, keyword);
    }

    @Override
    public String toString() {
      return field + ": " + message;
    }
  }

  /** A CEL rule of the CRD and where it applies (a path of property names, "[]" for items). */
  public record CelRule(List<String> schemaPath, String rule, String message) {}

  private static final class Loaded {
    static final ResourceValidator INSTANCE = fromClasspath();
  }

  private final ObjectNode documentSchema;
  private final JsonSchemaFactory factory;
  private final JsonNode forValidation;
  private final SchemaValidatorsConfig config;
  /** Local mode's (one thread): built on first use, each subschema as a document needs it. */
  private JsonSchema documentValidator;
  /** The operator's (many threads): built on first use, all at once (thread-safe after). */
  private JsonSchema specValidator;
  private final List<CelRule> celRules = new ArrayList<>();

  private ResourceValidator(JsonNode crd) {
    JsonNode openApi = null;
    for (JsonNode version : crd.path("spec").path("versions")) {
      if (SchemaMigration.VERSION.equals(version.path("name").asText())) {
        openApi = version.path("schema").path("openAPIV3Schema");
      }
    }
    if (openApi == null || !openApi.isObject()) {
      throw new IllegalStateException("the CRD has no schema for " + SchemaMigration.VERSION);
    }
    documentSchema = (ObjectNode) openApi.deepCopy();
    // apiVersion, kind and metadata first, so their problems are listed first.
    JsonNode crdProperties = documentSchema.remove("properties");
    ObjectNode properties = documentSchema.putObject("properties");
    properties.putObject("apiVersion").put("type", "string");
    properties.putObject("kind").put("type", "string");
    try {
      properties.set("metadata", YAML.readTree(METADATA_SCHEMA));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    properties.setAll((ObjectNode) crdProperties);
    // The CRD does not require spec; nothing can be done without one.
    documentSchema.putArray("required").add("apiVersion").add("kind").add("metadata").add("spec");
    rejectUnknownFields(documentSchema);
    collectCelRules(documentSchema, new ArrayList<>());

    factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
    config = SchemaValidatorsConfig.builder()
        .regularExpressionFactory(GoRegularExpressions.FACTORY)
        .typeLoose(false)
        .build();
    forValidation = withoutExtensions(documentSchema);
  }

  /**
   * The validator of whole documents. Built lazily, subschema by subschema as documents reach
   * them (most files have no podTemplate, whose schema is most of the CRD): a local command
   * starts faster. Lazy validators are not meant for concurrent use, hence synchronized.
   */
  private synchronized List<Problem> documentSchemaProblems(JsonNode document) {
    if (documentValidator == null) {
      documentValidator = factory.getSchema(forValidation, SchemaValidatorsConfig.builder(config)
          .preloadJsonSchema(false).build());
    }
    List<Problem> problems = new ArrayList<>();
    schemaProblems(documentValidator, document, List.of(), problems);
    return problems;
  }

  private synchronized JsonSchema specValidator() {
    if (specValidator == null) {
      specValidator = factory.getSchema(forValidation.path("properties").path("spec"), config);
    }
    return specValidator;
  }

  /** The validator of the CRD in the jar, loaded on first use. */
  public static ResourceValidator instance() {
    return Loaded.INSTANCE;
  }

  private static ResourceValidator fromClasspath() {
    try (InputStream crd = ResourceValidator.class.getResourceAsStream(CRD_RESOURCE)) {
      if (crd == null) {
        throw new IllegalStateException(CRD_RESOURCE + " is missing from the class path (the "
            + "build generates it)");
      }
      return new ResourceValidator(YAML.readTree(crd));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CRD's CEL rules, for the test that each has a Java twin. */
  public List<CelRule> celRules() {
    return List.copyOf(celRules);
  }

  /**
   * The problems of a whole document (apiVersion, kind, metadata, spec, status); empty when
   * the API server would accept it. As the API server does, fields set to null are first
   * dropped from {@code document} (so defaults apply), except string fields: there a null is
   * reported, since in YAML it is usually an unquoted word such as {@code null} or {@code ~}.
   */
  public List<Problem> checkDocument(ObjectNode document) {
    pruneNulls(documentSchema, document);
    List<Problem> problems = documentSchemaProblems(document);
    celProblems(documentSchema, document, new ArrayList<>(), problems);
    if (document.path("spec").isObject()) {
      reservedEnvironment(document.get("spec"), problems);
    }
    return problems;
  }

  /** The problems of a spec (paths start with {@code spec.}); nulls are dropped first. */
  public List<Problem> checkSpec(ObjectNode spec) {
    JsonNode specSchema = documentSchema.path("properties").path("spec");
    pruneNulls(specSchema, spec);
    List<Problem> problems = new ArrayList<>();
    schemaProblems(specValidator(), spec, List.of("spec"), problems);
    List<Object> path = new ArrayList<>(List.of("spec"));
    celProblems(specSchema, spec, path, problems);
    reservedEnvironment(spec, problems);
    return problems;
  }

  private void schemaProblems(JsonSchema validator, JsonNode instance, List<Object> prefix,
      List<Problem> out) {
    Map<String, Problem> unique = new LinkedHashMap<>();
    for (ValidationMessage message : validator.validate(instance)) {
      List<Object> at = new ArrayList<>(prefix);
      JsonNodePath location = message.getInstanceLocation();
      for (int i = 0; i < location.getNameCount(); i++) {
        at.add(location.getElement(i));
      }
      String keyword = message.getType();
      if ((keyword.equals("required") || keyword.equals("additionalProperties"))
          && message.getProperty() != null) {
        at.add(message.getProperty());
      }
      Problem problem = new Problem(field(at), describe(message, keyword, at), pointer(at),
          keyword);
      unique.putIfAbsent(problem.toString(), problem);
    }
    out.addAll(unique.values());
  }

  private String describe(ValidationMessage message, String keyword, List<Object> at) {
    JsonNode schema = schemaAt(at);
    JsonNode value = message.getInstanceNode();
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)
        && (keyword.equals("anyOf") || keyword.equals("type"))) {
      return "must be an integer or a string";
    }
    switch (keyword) {
      case "required":
        return "is required";
      case "additionalProperties":
        return "unknown field";
      case "type":
        return "must be " + withArticle(schema.path("type").asText());
      case "pattern": {
        String pattern = schema.path("pattern").asText();
        String text = PATTERN_MESSAGES.getOrDefault(pattern, "%s must match " + pattern);
        return text.contains("%s") ? text.formatted(quoted(value.asText())) : text;
      }
      case "enum": {
        List<String> allowed = new ArrayList<>();
        schema.path("enum").forEach(v -> allowed.add(v.asText()));
        return "must be " + oneOf(allowed);
      }
      case "minimum":
      case "maximum":
        return bounds(schema);
      case "minLength":
        return schema.path("minLength").asInt() == 1 ? "must not be empty"
            : "must be at least " + schema.path("minLength").asInt() + " characters long";
      case "maxLength":
        return "must be at most " + schema.path("maxLength").asInt() + " characters long";
      case "minItems":
        return schema.path("minItems").asInt() == 1 ? "must not be empty"
            : "must have at least " + schema.path("minItems").asInt() + " items";
      default:
        // networknt's own words, without its "$.a.b: " prefix.
        return message.getMessage().replaceFirst("^\\$[^:]*: ", "");
    }
  }

  private static String bounds(JsonNode schema) {
    String min = schema.has("minimum") ? number(schema.get("minimum")) : null;
    String max = schema.has("maximum") ? number(schema.get("maximum")) : null;
    if (min != null && max != null) {
      return "must be >= " + min + " and <= " + max;
    }
    return min != null ? "must be >= " + min : "must be <= " + max;
  }

  private static String number(JsonNode bound) {
    return bound.canConvertToExactIntegral() ? Long.toString(bound.asLong()) : bound.asText();
  }

  private static String withArticle(String type) {
    return switch (type) {
      case "integer", "object", "array" -> (type.equals("array") ? "a list" : "an " + type);
      default -> "a " + type;
    };
  }

  private static String oneOf(List<String> values) {
    if (values.size() == 1) {
      return values.get(0);
    }
    return String.join(", ", values.subList(0, values.size() - 1)) + " or "
        + values.get(values.size() - 1);
  }

  private void celProblems(JsonNode schema, JsonNode value, List<Object> path,
      List<Problem> out) {
    if (value == null || value.isMissingNode() || value.isNull()) {
      return;
    }
    for (JsonNode validation : schema.path("x-kubernetes-validations")) {
      String rule = validation.path("rule").asText();
      Predicate<JsonNode> twin = CelTwins.BY_RULE.get(rule);
      if (value.isObject() && !twin.test(value)) {
        out.add(new Problem(field(path), validation.path("message").asText(rule),
            pointer(path), "x-kubernetes-validations"));
      }
    }
    if (value.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> properties = schema.path("properties").fields();
      while (properties.hasNext()) {
        Map.Entry<String, JsonNode> property = properties.next();
        path.add(property.getKey());
        celProblems(property.getValue(), value.get(property.getKey()), path, out);
        path.remove(path.size() - 1);
      }
    } else if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        path.add(i);
        celProblems(schema.get("items"), value.get(i), path, out);
        path.remove(path.size() - 1);
      }
    }
  }

  private static void reservedEnvironment(JsonNode spec, List<Problem> out) {
    JsonNode urlEnvNode = spec.path("database").path("urlEnv");
    String urlEnv = urlEnvNode.isTextual() ? urlEnvNode.asText() : "DATABASE_URL";
    if (!urlEnv.equals("DATABASE_URL")) {
      ReservedEnvironment.reasonForUrl(urlEnv).ifPresent(why -> {
        List<Object> at = List.of("spec", "database", "urlEnv");
        out.add(new Problem(field(at), urlEnv + " cannot carry the database URL (" + why
            + "); name the variable env.py reads", pointer(at), "reservedEnvironment"));
      });
    }
    JsonNode env = spec.path("podTemplate").path("env");
    for (int i = 0; i < env.size(); i++) {
      JsonNode name = env.get(i).path("name");
      if (!name.isTextual()) {
        continue;
      }
      int index = i;
      ReservedEnvironment.reason(name.asText(), urlEnv).ifPresent(why -> {
        List<Object> at = List.of("spec", "podTemplate", "env", index, "name");
        out.add(new Problem(field(at), name.asText() + " is set by the operator (" + why
            + "); remove it", pointer(at), "reservedEnvironment"));
      });
    }
    JsonNode envFrom = spec.path("podTemplate").path("envFrom");
    for (int i = 0; i < envFrom.size(); i++) {
      JsonNode prefix = envFrom.get(i).path("prefix");
      if (!prefix.isTextual()) {
        continue;
      }
      int index = i;
      ReservedEnvironment.reachableBy(prefix.asText(), urlEnv).ifPresent(reserved -> {
        List<Object> at = List.of("spec", "podTemplate", "envFrom", index, "prefix");
        out.add(new Problem(field(at), quoted(prefix.asText()) + " could create " + reserved
            + ", which is set by the operator; use another prefix", pointer(at),
            "reservedEnvironment"));
      });
    }
  }

  /** The schema of the value at {@code path} (missing when the schema does not describe it). */
  private JsonNode schemaAt(List<Object> path) {
    JsonNode schema = documentSchema;
    for (Object element : path) {
      if (element instanceof Integer) {
        schema = schema.path("items");
      } else if (schema.path("properties").has((String) element)) {
        schema = schema.path("properties").path((String) element);
      } else if (schema.path("additionalProperties").isObject()) {
        schema = schema.path("additionalProperties");
      } else {
        return MissingNode.getInstance();
      }
    }
    return schema;
  }

  /**
   * What the API server does before validating: nulls are pruned (then defaults apply). Nulls
   * of string fields stay, to be reported; those of unknown fields too.
   */
  private static void pruneNulls(JsonNode schema, JsonNode value) {
    if (value instanceof ObjectNode object) {
      Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        JsonNode fieldSchema = schema.path("properties").has(field.getKey())
            ? schema.path("properties").path(field.getKey())
            : schema.path("additionalProperties");
        if (field.getValue().isNull() && fieldSchema.isObject()
            && !"string".equals(fieldSchema.path("type").asText())) {
          fields.remove();
        } else {
          pruneNulls(fieldSchema, field.getValue());
        }
      }
    } else if (value instanceof ArrayNode array) {
      array.forEach(item -> pruneNulls(schema.path("items"), item));
    }
  }

  private void collectCelRules(JsonNode schema, List<String> path) {
    for (JsonNode validation : schema.path("x-kubernetes-validations")) {
      if (!CelTwins.BY_RULE.containsKey(validation.path("rule").asText())) {
        // Caught by ResourceValidatorTest; here it stops a mismatched jar at start-up.
        throw new IllegalStateException("CEL rule without a Java twin: "
            + validation.path("rule").asText());
      }
      celRules.add(new CelRule(List.copyOf(path), validation.path("rule").asText(),
          validation.path("message").asText()));
    }
    schema.path("properties").fields().forEachRemaining(property -> {
      path.add(property.getKey());
      collectCelRules(property.getValue(), path);
      path.remove(path.size() - 1);
    });
    if (schema.has("items")) {
      path.add("[]");
      collectCelRules(schema.get("items"), path);
      path.remove(path.size() - 1);
    }
  }

  /** What kubectl's strict field validation does: an unknown field is an error. */
  private static void rejectUnknownFields(JsonNode schema) {
    if (!(schema instanceof ObjectNode object)) {
      return;
    }
    if (object.has("properties") && !object.has("additionalProperties")
        && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      object.put("additionalProperties", false);
    }
    object.path("properties").forEach(ResourceValidator::rejectUnknownFields);
    rejectUnknownFields(object.get("items"));
    rejectUnknownFields(object.get("additionalProperties"));
  }

  /** A copy for the JSON Schema validator: no Kubernetes extensions, no descriptions. */
  private static JsonNode withoutExtensions(JsonNode schema) {
    JsonNode copy = schema.deepCopy();
    strip(copy);
    return copy;
  }

  private static void strip(JsonNode schema) {
    if (schema instanceof ObjectNode object) {
      object.remove("description");
      object.properties().removeIf(e -> e.getKey().startsWith("x-kubernetes-"));
      object.path("properties").forEach(ResourceValidator::strip);
      strip(object.get("items"));
      strip(object.get("additionalProperties"));
      object.path("anyOf").forEach(ResourceValidator::strip);
    }
  }

  /** {@code spec.podTemplate.env[2].name}; odd keys (label names) as {@code ["a.b/c"]}. */
  static String field(List<Object> path) {
    StringBuilder field = new StringBuilder();
    for (Object element : path) {
      if (element instanceof Integer index) {
        field.append('[').append(index).append(']');
      } else if (((String) element).matches("[A-Za-z_][A-Za-z0-9_-]*")) {
        field.append(field.length() == 0 ? "" : ".").append(element);
      } else {
        field.append('[').append(quoted((String) element)).append(']');
      }
    }
    return field.length() == 0 ? "(document)" : field.toString();
  }

  private static JsonPointer pointer(List<Object> path) {
    JsonPointer pointer = JsonPointer.empty();
    for (Object element : path) {
      pointer = element instanceof Integer index ? pointer.appendIndex(index)
          : pointer.appendProperty((String) element);
    }
    return pointer;
  }

  /** A value for a one-line message: quoted, control characters escaped, at most 60 chars. */
  public static String quoted(String value) {
    return "\"" + escaped(value, true) + "\"";
  }

  /** A value for a one-line message, unquoted: control characters escaped, at most 60 chars. */
  public static String oneLine(String value) {
    return escaped(value, false);
  }

  private static String escaped(String value, boolean escapeQuotes) {
    StringBuilder out = new StringBuilder();
    int shown = 0;
    for (int i = 0; i < value.length(); i++) {
      if (shown == 60) {
        out.append('…');
        break;
      }
      char c = value.charAt(i);
      if (c == '\n') {
        out.append("\\n");
      } else if (escapeQuotes && (c == '"' || c == '\\')) {
        out.append('\\').append(c);
      } else if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
      shown++;
    }
    return out.toString();
  }

  private static String json(String pattern) {
    return pattern.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /**
   * The API server evaluates patterns with Go's regexp, where {@code $} is the end of the text;
   * in Java it also matches before a final newline, which would let {@code "head\n"} through.
   */
  static final class GoRegularExpressions {
    static final RegularExpressionFactory FACTORY = regex -> {
      Pattern pattern = Pattern.compile(goEndOfText(regex));
      return (RegularExpression) value -> pattern.matcher(value).find();
    };

    private GoRegularExpressions() {}

    /** Every {@code $} outside a character class and not escaped becomes {@code \z}. */
    static String goEndOfText(String regex) {
      StringBuilder out = new StringBuilder();
      boolean inClass = false;
      for (int i = 0; i < regex.length(); i++) {
        char c = regex.charAt(i);
        if (c == '\\' && i + 1 < regex.length()) {
          out.append(c).append(regex.charAt(++i));
        } else if (c == '[') {
          inClass = true;
          out.append(c);
        } else if (c == ']') {
          inClass = false;
          out.append(c);
        } else if (c == '$' && !inClass) {
          out.append("\\z");
        } else {
          out.append(c);
        }
      }
      return out.toString();
    }
  }
}
