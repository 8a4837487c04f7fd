package dev.vectis.migrations.revision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vectis.migrations.testing.ExternalTools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The real Alembic (Debian's 1.8.1) answering plan requests through
 * {@code src/test/resources/alembic/alembic_oracle.py}: one Python process for a whole batch.
 */
final class AlembicOracle {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AlembicOracle() {}

  static List<JsonNode> answer(List<? extends JsonNode> requests) {
    return answer(requests, 0);
  }

  /** Answers with Python's string hashing seeded by {@code hashSeed}. */
  static List<JsonNode> answer(List<? extends JsonNode> requests, int hashSeed) {
    Path script;
    try {
      script = Path.of(AlembicOracle.class.getResource("/alembic/alembic_oracle.py").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    ProcessBuilder builder = new ProcessBuilder(ExternalTools.python().toString(),
        script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT);
    // Fixed, so that a hash-ordered answer is the same from run to run.
    builder.environment().put("PYTHONHASHSEED", Integer.toString(hashSeed));
    builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    try {
      Process process = builder.start();
      CompletableFuture<List<JsonNode>> answers = CompletableFuture.supplyAsync(() -> {
        List<JsonNode> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = reader.readLine()) != null) {
            lines.add(JSON.readTree(line));
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return lines;
      });
      try (Writer writer = new OutputStreamWriter(process.getOutputStream(),
          StandardCharsets.UTF_8)) {
        for (JsonNode request : requests) {
          writer.write(JSON.writeValueAsString(request));
          writer.write('\n');
        }
      }
      List<JsonNode> result = answers.join();
      if (process.waitFor() != 0 || result.size() != requests.size()) {
        throw new IllegalStateException("the Alembic oracle answered " + result.size() + " of "
            + requests.size() + " requests, exit " + process.exitValue());
      }
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
