package dev.vectis.migrations.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vectis.migrations.ScriptResources;
import dev.vectis.migrations.database.SecretMasker;
import dev.vectis.migrations.revision.InspectionScript;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One Python process running the project's real Alembic (env.py, its database from the
 * environment) for a whole rehearsal: {@code rehearsal_driver.py} reads {@code upgrade REV} /
 * {@code downgrade TARGET} a line and answers each with one JSON line. A process per step
 * would cost more than the steps themselves on a long history.
 */
public final class RehearsalDriver implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SCRIPT = "rehearsal_driver.py";
  private static final int KEPT_LOG_LINES = 20;
  /** What the answer queue holds once stdout has ended. */
  private static final String ENDED = "\u0000ended";

  /**
   * What Alembic answered.
   *
   * @param error Alembic's {@code FAILED:} text or the exception's first line (masked)
   * @param file the revision file the error came from, relative to the Alembic directory
   * @param line the line in that file
   */
  public record Answer(boolean ok, String error, String file, Integer line) {}

  /** The driver ended (died, was stopped, or overran the deadline) before it answered. */
  public static final class Gone extends Exception {
    Gone(String message) {
      super(message);
    }
  }

  private final Process process;
  private final Writer commands;
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
  private final Deque<String> log = new ArrayDeque<>();
  private final SecretMasker masker;
  private final Duration deadline;

  private RehearsalDriver(Process process, SecretMasker masker, Duration deadline) {
    this.process = process;
    this.masker = masker;
    this.deadline = deadline;
    this.commands = new java.io.OutputStreamWriter(process.getOutputStream(),
        StandardCharsets.UTF_8);
    drain(new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8)), answers::add, "rehearsal-answers", true);
    drain(new BufferedReader(new InputStreamReader(process.getErrorStream(),
        StandardCharsets.UTF_8)), this::keep, "rehearsal-log", false);
  }

  /** The script's source, shipped next to the inspection script. */
  public static String source() {
    return ScriptResources.read(InspectionScript.class, SCRIPT);
  }

  /**
   * Starts the driver in {@code alembicDir} on {@code config} with {@code env} added to this
   * process's environment (null values remove a variable).
   *
   * @param deadline how long one command may take before the driver is stopped
   */
  public static RehearsalDriver start(Path alembicDir, String config, String python,
      Map<String, String> env, SecretMasker masker, Duration deadline) {
    ProcessBuilder builder = ProcessRunner.builder(alembicDir, env,
        List.of(python, "-c", source(), config));
    try {
      Process process = builder.start();
      // Ctrl-C stops it (Interruption), so a waiting command ends at once.
      Interruption.running(process);
      return new RehearsalDriver(process, masker, deadline);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + python, e);
    }
  }

  public Answer upgrade(String target) throws Gone {
    return send("upgrade " + target);
  }

  public Answer downgrade(String target) throws Gone {
    return send("downgrade " + target);
  }

  private Answer send(String command) throws Gone {
    String line;
    try {
      commands.write(command + "\n");
      commands.flush();
      line = answers.poll(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (IOException e) {
      line = ENDED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      line = ENDED;
    }
    if (line == null) {
      stop();
      throw new Gone("alembic " + command + " did not finish within "
          + deadline.toSeconds() + " s"
          + " and was stopped" + lastLog());
    }
    if (line.equals(ENDED)) {
      throw new Gone("the Alembic driver ended before it answered " + command + lastLog());
    }
    try {
      JsonNode answer = JSON.readTree(line);
      return new Answer(answer.path("ok").asBoolean(false),
          answer.hasNonNull("error") ? masker.mask(answer.get("error").asText()) : null,
          answer.hasNonNull("file") ? answer.get("file").asText() : null,
          answer.hasNonNull("line") ? answer.get("line").asInt() : null);
    } catch (IOException e) {
      throw new Gone("the Alembic driver answered " + command + " with something that is not "
          + "JSON: " + masker.mask(line.substring(0, Math.min(200, line.length()))));
    }
  }

  /** ": " and the driver's last log line with content, for a driver that ended. */
  private String lastLog() {
    synchronized (log) {
      Optional<String> last = log.stream().filter(line -> !line.isBlank())
          .reduce((first, second) -> second);
      return last.map(line -> " (its last line: " + line + ")").orElse("");
    }
  }

  private void keep(String line) {
    synchronized (log) {
      log.addLast(masker.mask(line));
      while (log.size() > KEPT_LOG_LINES) {
        log.removeFirst();
      }
    }
  }

  private static void drain(BufferedReader reader, java.util.function.Consumer<String> onLine,
      String name, boolean markEnd) {
    Thread thread = new Thread(() -> {
      try (reader) {
        String line;
        while ((line = reader.readLine()) != null) {
          onLine.accept(line);
        }
      } catch (IOException e) {
        // the process is gone; the answers end below
      }
      if (markEnd) {
        onLine.accept(ENDED);
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
  }

  private void stop() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /** Ends the driver: end of input, then a short wait, then a kill. */
  @Override
  public void close() {
    try {
      commands.close();
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        stop();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
    } finally {
      Interruption.running(null);
    }
  }
}
