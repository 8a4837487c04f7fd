package dev.vectis.migrations.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintStream;

/** kubectl's -o for the cluster commands: a table (wide: more columns) or the documents. */
enum ClusterOutput {
  text, wide, json, yaml;

  boolean isDocument() {
    return this == json || this == yaml;
  }

  /**
   * Prints API objects as kubectl does, with fabric8's mapper: the API classes' own inclusion
   * rules, so an empty currentRevision ("" = base) is kept.
   */
  void printDocument(PrintStream out, Object document) {
    try {
      out.println((this == json ? Serialization.jsonMapper().writerWithDefaultPrettyPrinter()
          .writeValueAsString(document) : Serialization.asYaml(document)
          .replaceFirst("^---\\n", "")).stripTrailing());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print the result", e);
    }
  }

  /** The same output as the local commands' -o, for their error documents. */
  OutputFormat local() {
    return this == json ? OutputFormat.json : this == yaml ? OutputFormat.yaml
        : OutputFormat.text;
  }
}
