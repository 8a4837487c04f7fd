package dev.vectis.migrations.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.parser.CelStandardMacro;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates SchemaMigration documents the way the API server would with our CRD: the
 * {@code openAPIV3Schema} (unknown fields rejected, as {@code kubectl apply} does with strict
 * field validation) and every {@code x-kubernetes-validations} CEL rule, evaluated with cel-java.
 */
final class CrdSchemaValidator {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final JsonNode openApiSchema;
  private final JsonSchema jsonSchema;
  private final CelCompiler celCompiler =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .build();
  private final CelRuntime celRuntime = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  CrdSchemaValidator(Path crd) throws IOException {
    JsonNode version = YAML.readTree(crd.toFile()).path("spec").path("versions").get(0);
    openApiSchema = version.path("schema").path("openAPIV3Schema");
    JsonNode strict = openApiSchema.deepCopy();
    rejectUnknownFields(strict, true);
    jsonSchema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(strict);
  }

  /** The messages a user would see for this document; empty when it is accepted. */
  List<String> validate(JsonNode document) {
    List<String> messages = new ArrayList<>();
    if (!"migrations.vectis.dev/v1alpha1".equals(document.path("apiVersion").asText())
        || !"SchemaMigration".equals(document.path("kind").asText())) {
      messages.add("not a migrations.vectis.dev/v1alpha1 SchemaMigration");
      return messages;
    }
    for (ValidationMessage message : jsonSchema.validate(document)) {
      messages.add(message.getMessage());
    }
    if (messages.isEmpty()) {
      evaluateCelRules(openApiSchema, document, "", messages);
    }
    return messages;
  }

  /** Number of CEL rules in the schema, so a test can show that it evaluated all of them. */
  int celRuleCount() {
    return countRules(openApiSchema);
  }

  private static int countRules(JsonNode schema) {
    int count = schema.path("x-kubernetes-validations").size();
    for (JsonNode child : schema.path("properties")) {
      count += countRules(child);
    }
    return count + (schema.has("items") ? countRules(schema.get("items")) : 0);
  }

  private void evaluateCelRules(JsonNode schema, JsonNode value, String path, List<String> out) {
    if (value == null || value.isMissingNode() || value.isNull()) {
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      if (!evaluate(rule.path("rule").asText(), value)) {
        out.add(path + ": " + rule.path("message").asText());
      }
    }
    Iterator<Map.Entry<String, JsonNode>> properties = schema.path("properties").fields();
    while (properties.hasNext()) {
      Map.Entry<String, JsonNode> property = properties.next();
      evaluateCelRules(property.getValue(), value.get(property.getKey()),
          path + "." + property.getKey(), out);
    }
    if (schema.has("items") && value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        evaluateCelRules(schema.get("items"), value.get(i), path + "[" + i + "]", out);
      }
    }
  }

  private boolean evaluate(String rule, JsonNode self) {
    try {
      CelRuntime.Program program =
          celRuntime.createProgram(celCompiler.compile(rule).getAst());
      Object result = program.eval(Map.of("self", toCelValue(self)));
      return Boolean.TRUE.equals(result);
    } catch (Exception e) {
      throw new IllegalStateException("CEL rule failed to evaluate: " + rule, e);
    }
  }

  private static Object toCelValue(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), toCelValue(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(item -> list.add(toCelValue(item)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    return node.asText();
  }

  /** What kubectl's strict field validation does: an unknown field is an error. */
  private static void rejectUnknownFields(JsonNode schema, boolean root) {
    if (!(schema instanceof ObjectNode object)) {
      return;
    }
    if (object.has("properties") && !object.has("additionalProperties")
        && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false) && !root) {
      object.put("additionalProperties", false);
    }
    for (JsonNode child : object.path("properties")) {
      rejectUnknownFields(child, false);
    }
    if (object.has("items")) {
      rejectUnknownFields(object.get("items"), false);
    }
    if (object.has("additionalProperties")) {
      rejectUnknownFields(object.get("additionalProperties"), false);
    }
  }
}
