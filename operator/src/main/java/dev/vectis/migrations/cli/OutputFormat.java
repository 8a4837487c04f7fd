package dev.vectis.migrations.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.PrintStream;

/**
 * How a local command prints its result: text for people; json or yaml for scripts, as one
 * document that is all of stdout (progress and warnings then go to stderr).
 */
enum OutputFormat {
  text, yaml, json,
  /** SARIF 2.1.0 (a JSON document) for code-scanning UIs: lint and rehearse only. */
  sarif;

  /** Where progress goes: stdout for text, else stderr (stdout is the document's). */
  PrintStream progress() {
    return this == text ? System.out : System.err;
  }

  void printDocument(PrintStream out, Object document) {
    ObjectMapper mapper = this == json || this == sarif
        ? new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        : new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    mapper.setSerializationInclusion(JsonInclude.Include.NON_EMPTY);
    try {
      out.println(mapper.writeValueAsString(document).stripTrailing());
    } catch (IOException e) {
      throw new IllegalStateException("cannot print the result", e);
    }
  }
}
