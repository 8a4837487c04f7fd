package dev.vectis.migrations.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vectis.migrations.api.SchemaMigration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a SchemaMigration from a YAML file, with one-line errors that name what is wrong. */
final class ResourceFile {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  /** A file that cannot be used; the message is for the user as it is. */
  static final class InvalidInput extends Exception {
    InvalidInput(String message) {
      super(message, null, false, false);
    }
  }

  private ResourceFile() {}

  static SchemaMigration read(Path file) throws InvalidInput {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new InvalidInput(file + ": no such file");
    } catch (IOException e) {
      throw new InvalidInput(file + ": cannot be read (" + e.getMessage() + ")");
    }
    JsonNode tree;
    try {
      tree = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new InvalidInput(file + ": not valid YAML at line "
          + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ": "
          + e.getOriginalMessage().lines().findFirst().orElse(""));
    }
    if (tree == null || !tree.isObject()) {
      throw new InvalidInput(file + ": expected one SchemaMigration document");
    }
    String apiVersion = tree.path("apiVersion").asText("");
    String kind = tree.path("kind").asText("");
    String expected = SchemaMigration.GROUP + "/" + SchemaMigration.VERSION;
    if (!kind.equals("SchemaMigration") || !apiVersion.equals(expected)) {
      throw new InvalidInput(file + ": expected kind SchemaMigration, apiVersion " + expected
          + "; found kind " + (kind.isEmpty() ? "(none)" : kind) + ", apiVersion "
          + (apiVersion.isEmpty() ? "(none)" : apiVersion));
    }
    try {
      SchemaMigration resource = YAML.treeToValue(tree, SchemaMigration.class);
      if (resource.getSpec() == null) {
        throw new InvalidInput(file + ": spec: is required");
      }
      return resource;
    } catch (JsonMappingException e) {
      throw new InvalidInput(file + ": " + path(e) + ": " + reason(e));
    } catch (JsonProcessingException e) {
      throw new InvalidInput(file + ": " + e.getOriginalMessage());
    }
  }

  private static String path(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference reference : e.getPath()) {
      if (reference.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.length() == 0 ? "(document)" : path.toString();
  }

  private static String reason(JsonMappingException e) {
    if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException) {
      return "unknown field";
    }
    if (e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException format) {
      return "\"" + format.getValue() + "\" is not a valid value";
    }
    if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException) {
      return "has the wrong type";
    }
    return e.getOriginalMessage().lines().findFirst().orElse("invalid");
  }
}
