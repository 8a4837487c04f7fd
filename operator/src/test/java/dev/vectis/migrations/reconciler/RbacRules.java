package dev.vectis.migrations.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The rules of the ClusterRole in deploy/rbac.yaml, and the check of one API call against them. */
final class RbacRules {
  private final List<JsonNode> rules;

  private RbacRules(List<JsonNode> rules) {
    this.rules = rules;
  }

  static RbacRules load(Path file) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<JsonNode> rules = new ArrayList<>();
    try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
      for (JsonNode document : yaml.readValues(parser, JsonNode.class).readAll()) {
        if ("ClusterRole".equals(document.path("kind").asText())) {
          document.path("rules").forEach(rules::add);
        }
      }
    }
    return new RbacRules(rules);
  }

  boolean allows(Access access) {
    for (JsonNode rule : rules) {
      if (contains(rule.path("apiGroups"), access.group())
          && contains(rule.path("resources"), access.resource())
          && contains(rule.path("verbs"), access.verb())) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(JsonNode list, String value) {
    for (JsonNode item : list) {
      if (item.asText().equals(value) || item.asText().equals("*")) {
        return true;
      }
    }
    return false;
  }

  /** An API call as RBAC sees it: group, resource (with subresource) and verb. */
  record Access(String group, String resource, String verb) {
    static Access of(String method, String path) {
      URI uri = URI.create(path);
      String[] parts = uri.getPath().substring(1).split("/");
      int i;
      String group;
      if (parts[0].equals("api")) {
        group = "";
        i = 2;
      } else {
        group = parts[1];
        i = 3;
      }
      if (i < parts.length && parts[i].equals("namespaces") && i + 2 < parts.length) {
        i += 2;
      }
      String resource = parts[i];
      String name = i + 1 < parts.length ? parts[i + 1] : null;
      String subresource = i + 2 < parts.length ? parts[i + 2] : null;
      if (subresource != null) {
        resource += "/" + subresource;
      }
      boolean watch = uri.getQuery() != null && uri.getQuery().contains("watch=true");
      String verb = switch (method) {
        case "GET" -> watch ? "watch" : name == null ? "list" : "get";
        case "POST" -> "create";
        case "PUT" -> "update";
        case "PATCH" -> "patch";
        case "DELETE" -> "delete";
        default -> method.toLowerCase(java.util.Locale.ROOT);
      };
      return new Access(group, resource, verb);
    }

    @Override
    public String toString() {
      return group + "/" + resource + ":" + verb;
    }
  }
}
