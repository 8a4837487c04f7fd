package dev.vectis.migrations.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vectis.migrations.api.ResourceValidator;
import dev.vectis.migrations.api.PodTemplate;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.local.ValidatedDocuments;
import dev.vectis.migrations.plan.SpecValidator;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a SchemaMigration from a YAML file and validates it as {@code kubectl apply} and the
 * API server would: YAML 1.1 (as kubectl reads it), duplicate keys rejected, then
 * {@link ResourceValidator}. An unquoted value that YAML reads as a number, boolean or null
 * where the CRD wants a string is an error that says to quote it: kubectl would send the
 * number, and the API server would refuse it. Errors are one line and name the field.
 */
final class ResourceFile {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
  /**
   * The same, skipping spec.podTemplate: Jackson builds the deserializers of every type a
   * class can reach, and PodTemplate reaches most of the Kubernetes pod model (affinity,
   * tolerations, resources, env): about a tenth of a local command's start. It is read
   * apart, only when the file has one.
   */
  private static final ObjectMapper WITHOUT_POD_TEMPLATE = MAPPER.copy()
      .addMixIn(SchemaMigrationSpec.class, IgnorePodTemplate.class);

  @JsonIgnoreProperties("podTemplate")
  private abstract static class IgnorePodTemplate {}
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** Deeper than any SchemaMigration; stops a recursive alias. */
  private static final int MAX_DEPTH = 64;
  private static final String API_VERSION = SchemaMigration.GROUP + "/" + SchemaMigration.VERSION;

  /** A file that cannot be used; the message is for the user as it is. */
  static final class InvalidInput extends Exception {
    InvalidInput(String message) {
      super(message, null, false, false);
    }
  }

  /** An unquoted scalar that YAML read as something other than a string. */
  private record PlainScalar(String text, String readAs) {}

  /** One document of the file, as JSON, with its unquoted non-string scalars. */
  private record Document(ObjectNode tree, Map<JsonPointer, PlainScalar> plainScalars) {
    boolean isSchemaMigration() {
      return tree.path("kind").asText("").equals("SchemaMigration")
          && tree.path("apiVersion").asText("").equals(API_VERSION);
    }

    String name() {
      JsonNode name = tree.path("metadata").path("name");
      return name.isTextual() ? ResourceValidator.oneLine(name.asText()) : "(no name)";
    }
  }

  private ResourceFile() {}

  /**
   * The SchemaMigration in {@code file}, valid as the API server would have it.
   *
   * @param name which SchemaMigration of a file that holds several (null: the file must hold
   *     only one)
   */
  static SchemaMigration read(Path file, String name) throws InvalidInput {
    return read(file, name, document -> {});
  }

  /**
   * The same, with command-line overrides applied to the document before it is checked, so
   * a flag is held to the same rules as the file.
   */
  static SchemaMigration read(Path file, String name,
      java.util.function.Consumer<ObjectNode> overrides) throws InvalidInput {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new InvalidInput(file + ": no such file");
    } catch (IOException e) {
      throw new InvalidInput(file + ": cannot be read (" + e.getMessage() + ")");
    }
    Document document = select(file, parse(file, text), name);
    overrides.accept(document.tree());
    return resource(file.toString(), document);
  }

  /**
   * A SchemaMigration made from command-line flags alone (no file), held to the same rules
   * as a file; {@code source} names where its values came from in an error.
   */
  static SchemaMigration fromTree(String source, ObjectNode tree) throws InvalidInput {
    tree.put("apiVersion", API_VERSION);
    tree.put("kind", "SchemaMigration");
    return resource(source, new Document(tree, Map.of()));
  }

  /** The checked document as the API classes hold it; {@code source} names it in errors. */
  private static SchemaMigration resource(String source, Document document)
      throws InvalidInput {
    JsonNode checked;
    try {
      checked = checked(source, document);
    } catch (IOException e) {
      throw new InvalidInput(source + ": " + e.getMessage());
    }
    try {
      // The spec and the metadata local mode reads, bound apart: Jackson's binding of the
      // whole custom resource (ObjectMeta's managed fields, owner references, the status)
      // is a good part of a short command's start, and local mode keeps its status itself.
      SchemaMigration resource = new SchemaMigration();
      resource.setMetadata(metadata(checked.path("metadata")));
      resource.setSpec(WITHOUT_POD_TEMPLATE.treeToValue(checked.path("spec"),
          SchemaMigrationSpec.class));
      JsonNode podTemplate = checked.path("spec").get("podTemplate");
      if (podTemplate != null && resource.getSpec() != null) {
        resource.getSpec().podTemplate = podTemplate.isNull() ? null
            : MAPPER.treeToValue(podTemplate, PodTemplate.class);
      }
      SpecValidator.checkedWithItsDocument(resource.getSpec());
      return resource;
    } catch (JsonMappingException e) {
      // The schema accepted what the API classes cannot hold: a gap between them, named.
      throw new InvalidInput(source + ": " + e.getOriginalMessage().lines().findFirst()
          .orElse("cannot be read"));
    } catch (IOException e) {
      throw new InvalidInput(source + ": " + e.getMessage());
    }
  }

  /**
   * The metadata local mode uses (name, namespace, labels, annotations); the check against
   * the CRD has refused any field ObjectMeta does not have.
   */
  private static ObjectMeta metadata(JsonNode metadata) {
    ObjectMeta meta = new ObjectMeta();
    meta.setName(metadata.path("name").asText(null));
    meta.setNamespace(metadata.path("namespace").isTextual()
        ? metadata.path("namespace").asText() : "default");
    meta.setLabels(strings(metadata.get("labels")));
    meta.setAnnotations(strings(metadata.get("annotations")));
    return meta;
  }

  private static Map<String, String> strings(JsonNode map) {
    if (map == null || !map.isObject()) {
      return null;
    }
    Map<String, String> strings = new java.util.LinkedHashMap<>();
    map.fields().forEachRemaining(entry -> strings.put(entry.getKey(),
        entry.getValue().asText()));
    return strings;
  }

  /**
   * The document as the API server would keep it (nulls dropped so that defaults apply), or
   * its problems: checked against the CRD, or as checked before ({@link ValidatedDocuments}).
   */
  private static JsonNode checked(String source, Document document) throws InvalidInput,
      IOException {
    String before = document.tree().toString();
    ValidatedDocuments validated = ValidatedDocuments.fromEnvironment(ResourceValidator.class);
    java.util.Optional<String> known = validated.checked(before);
    if (known.isPresent()) {
      try {
        JsonNode tree = MAPPER.readTree(known.get());
        if (tree instanceof ObjectNode) {
          return tree;
        }
      } catch (IOException e) {
        // an unreadable entry: check again, and keep the result anew
      }
    }
    List<String> problems = new ArrayList<>();
    for (ResourceValidator.Problem problem
        : ResourceValidator.instance().checkDocument(document.tree())) {
      problems.add(withYamlHint(problem, document.plainScalars()).toString());
    }
    if (!problems.isEmpty()) {
      throw new InvalidInput(source + ": " + String.join("; ", problems));
    }
    validated.remember(before, document.tree().toString());
    return document.tree();
  }

  private static Document select(Path file, List<Document> documents, String name)
      throws InvalidInput {
    if (documents.isEmpty()) {
      throw new InvalidInput(file + ": expected one SchemaMigration document");
    }
    List<Document> resources = documents.stream().filter(Document::isSchemaMigration).toList();
    if (documents.size() == 1) {
      Document only = documents.get(0);
      if (!only.isSchemaMigration()) {
        String kind = only.tree().path("kind").asText("");
        String apiVersion = only.tree().path("apiVersion").asText("");
        throw new InvalidInput(file + ": expected kind SchemaMigration, apiVersion "
            + API_VERSION + "; found kind " + (kind.isEmpty() ? "(none)" : kind)
            + ", apiVersion " + (apiVersion.isEmpty() ? "(none)" : apiVersion));
      }
      if (name != null && !name.equals(only.tree().path("metadata").path("name").asText())) {
        throw new InvalidInput(file + ": holds SchemaMigration " + only.name() + ", not "
            + ResourceValidator.oneLine(name));
      }
      return only;
    }
    String names = String.join(", ", resources.stream().map(Document::name).toList());
    if (name == null) {
      throw new InvalidInput(file + ": holds " + (resources.size() == documents.size()
          ? resources.size() + " SchemaMigrations (" + names + ")"
          : documents.size() + " documents, " + resources.size() + " of them SchemaMigrations"
              + (resources.isEmpty() ? "" : " (" + names + ")"))
          + ": pick one with --name");
    }
    List<Document> named = resources.stream()
        .filter(d -> name.equals(d.tree().path("metadata").path("name").asText())).toList();
    if (named.size() != 1) {
      String holds = named.isEmpty() ? " (it holds: " + (names.isEmpty() ? "none" : names) + ")"
          : "";
      throw new InvalidInput(file + ": holds " + (named.isEmpty() ? "no" : named.size())
          + " SchemaMigrations named " + ResourceValidator.oneLine(name) + holds);
    }
    return named.get(0);
  }

  private static List<Document> parse(Path file, String text) throws InvalidInput {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(50);
    options.setNestingDepthLimit(MAX_DEPTH);
    List<Document> documents = new ArrayList<>();
    try {
      for (Node root : new Yaml(options).composeAll(new StringReader(text))) {
        if (root instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL)) {
          continue; // an empty document, as between two "---"
        }
        if (!(root instanceof MappingNode)) {
          throw new InvalidInput(file + ": line " + line(root)
              + ": expected a SchemaMigration document (a mapping)");
        }
        Map<JsonPointer, PlainScalar> plain = new HashMap<>();
        ObjectNode tree = (ObjectNode) new Converter(file, plain)
            .convert(root, JsonPointer.empty(), "", 0);
        documents.add(new Document(tree, plain));
      }
    } catch (MarkedYAMLException e) {
      throw new InvalidInput(file + ": not valid YAML at line "
          + (e.getProblemMark() == null ? "?" : e.getProblemMark().getLine() + 1) + ": "
          + (e.getProblem() == null ? "" : e.getProblem()));
    } catch (YAMLException e) {
      throw new InvalidInput(file + ": not valid YAML: "
          + e.getMessage().lines().findFirst().orElse(""));
    }
    return documents;
  }

  /** {@code must be a string} becomes {@code ...; YAML reads 0123e4 as a number: quote it}. */
  private static ResourceValidator.Problem withYamlHint(ResourceValidator.Problem problem,
      Map<JsonPointer, PlainScalar> plainScalars) {
    PlainScalar scalar = plainScalars.get(problem.pointer());
    if (scalar == null || !problem.keyword().equals("type")
        || !problem.message().equals("must be a string")) {
      return problem;
    }
    String shown = scalar.text().isEmpty() ? "an empty value" : scalar.text();
    return problem.withMessage(problem.message() + "; YAML reads " + shown + " as "
        + scalar.readAs() + ": quote it (" + ResourceValidator.quoted(scalar.text()) + ")");
  }

  private static int line(Node node) {
    return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
  }

  /** YAML nodes to JSON, YAML 1.1 scalars as kubectl reads them, duplicate keys refused. */
  private static final class Converter extends SafeConstructor {
    private final Path file;
    private final Map<JsonPointer, PlainScalar> plainScalars;

    Converter(Path file, Map<JsonPointer, PlainScalar> plainScalars) {
      super(new LoaderOptions());
      this.file = file;
      this.plainScalars = plainScalars;
    }

    JsonNode convert(Node node, JsonPointer at, String field, int depth) throws InvalidInput {
      if (depth > MAX_DEPTH) {
        throw new InvalidInput(file + ": " + field + ": nested too deeply (a recursive alias?)");
      }
      if (node instanceof MappingNode mapping) {
        ObjectNode object = NODES.objectNode();
        Map<String, Integer> lines = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
          if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
            throw new InvalidInput(file + ": line " + line(tuple.getKeyNode())
                + ": a key must be a plain value");
          }
          String key = keyNode.getValue();
          String child = field.isEmpty() ? key : field + "." + key;
          if (keyNode.getTag().equals(Tag.MERGE)) {
            throw new InvalidInput(file + ": line " + line(keyNode) + ": " + child
                + ": YAML merge keys are not supported; write the fields out");
          }
          Integer earlier = lines.putIfAbsent(key, line(keyNode));
          if (earlier != null) {
            throw new InvalidInput(file + ": " + child + ": duplicate key (lines " + earlier
                + " and " + line(keyNode) + ")");
          }
          object.set(key, convert(tuple.getValueNode(), at.appendProperty(key), child,
              depth + 1));
        }
        return object;
      }
      if (node instanceof SequenceNode sequence) {
        ArrayNode array = NODES.arrayNode();
        List<Node> items = sequence.getValue();
        for (int i = 0; i < items.size(); i++) {
          array.add(convert(items.get(i), at.appendIndex(i), field + "[" + i + "]", depth + 1));
        }
        return array;
      }
      return scalar((ScalarNode) node, at);
    }

    private JsonNode scalar(ScalarNode node, JsonPointer at) {
      Tag tag = node.getTag();
      String readAs = tag.equals(Tag.INT) || tag.equals(Tag.FLOAT) ? "a number"
          : tag.equals(Tag.BOOL) ? "a boolean" : tag.equals(Tag.NULL) ? "null" : null;
      if (readAs == null) {
        // Strings, and timestamps: kubectl keeps those as the text written.
        return NODES.textNode(node.getValue());
      }
      if (node.isPlain()) {
        plainScalars.put(at, new PlainScalar(node.getValue(), readAs));
      }
      Object value = constructObject(node);
      if (value == null) {
        return NODES.nullNode();
      }
      if (value instanceof Boolean bool) {
        return NODES.booleanNode(bool);
      }
      if (value instanceof Integer || value instanceof Long) {
        return NODES.numberNode(((Number) value).longValue());
      }
      if (value instanceof BigInteger big) {
        return NODES.numberNode(big);
      }
      return NODES.numberNode(((Number) value).doubleValue());
    }
  }
}
