package dev.vectis.migrations.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a program as a local process, collecting its output (stdout and stderr merged). */
public final class ProcessRunner {
  /** What a finished process left behind. */
  public record Result(int exitCode, String output) {
    public boolean succeeded() {
      return exitCode == 0;
    }
  }

  private ProcessRunner() {}

  /**
   * Runs {@code command} in {@code workingDir} with the current environment plus {@code env},
   * and waits at most {@code timeout}; a process still running then is killed.
   */
  public static Result run(Path workingDir, Map<String, String> env, Duration timeout,
      List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(workingDir.toFile())
        .redirectErrorStream(true);
    builder.environment().putAll(env);
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      OutputCollector collector = new OutputCollector(process.getInputStream());
      collector.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        collector.join();
        return new Result(-1, collector.text() + "\n[killed after " + timeout + "]");
      }
      collector.join();
      return new Result(process.exitValue(), collector.text());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command.get(0), e);
    }
  }

  /** Drains a process's output on its own thread so a chatty process never blocks. */
  private static final class OutputCollector extends Thread {
    private final InputStream input;
    private volatile byte[] bytes = new byte[0];

    OutputCollector(InputStream input) {
      super("process-output");
      setDaemon(true);
      this.input = input;
    }

    @Override
    public void run() {
      try {
        bytes = input.readAllBytes();
      } catch (IOException e) {
        bytes = ("[output unreadable: " + e.getMessage() + "]").getBytes(StandardCharsets.UTF_8);
      }
    }

    String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }
}
