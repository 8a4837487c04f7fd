package dev.vectis.migrations.local;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Runs a program as a local process, collecting its output (stdout and stderr merged). */
public final class ProcessRunner {
  private static final String SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
      .filter(path -> Files.isExecutable(Path.of(path))).findFirst().orElse(null);

  /** What a finished process left behind. */
  public record Result(int exitCode, String output, boolean timedOut) {
    public Result(int exitCode, String output) {
      this(exitCode, output, false);
    }

    public boolean succeeded() {
      return exitCode == 0;
    }
  }

  /** How long output may stay open after the process exited. */
  private static final Duration OUTPUT_GRACE = Duration.ofSeconds(2);

  private ProcessRunner() {}

  /** SIGKILL to the group a setsid child leads (its pid); its leftovers are in it. */
  private static void killGroup(long leader) throws IOException, InterruptedException {
    if (SETSID != null) {
      new ProcessBuilder("kill", "-KILL", "--", "-" + leader).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Runs {@code command} in {@code workingDir} with the current environment plus {@code env}
   * (where a null value removes the variable),
   * and waits at most {@code timeout}; a process still running then is killed.
   */
  public static Result run(Path workingDir, Map<String, String> env, Duration timeout,
      List<String> command) {
    return run(workingDir, env, timeout, command, line -> { });
  }

  /** The same, handing each line of output to {@code onLine} as it is printed. */
  public static Result run(Path workingDir, Map<String, String> env, Duration timeout,
      List<String> command, Consumer<String> onLine) {
    ProcessBuilder builder = builder(workingDir, env, command).redirectErrorStream(true);
    try {
      Process process = builder.start();
      Interruption.running(process);
      process.getOutputStream().close();
      OutputCollector collector = new OutputCollector(process.getInputStream(), onLine);
      collector.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        collector.join();
        Interruption.running(null);
        return new Result(-1, collector.text() + "\n[killed after " + timeout + "]", true);
      }
      collector.join(OUTPUT_GRACE.toMillis());
      if (collector.isAlive()) {
        // Exited, but something it started still holds the output open (a background
        // process): stop its process group rather than wait for it.
        killGroup(process.pid());
        collector.join(OUTPUT_GRACE.toMillis());
      }
      Interruption.running(null);
      return new Result(process.exitValue(), collector.text());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command.get(0), e);
    }
  }

  /**
   * A builder of {@code command} in its own session (see {@link #ownSession}), in
   * {@code workingDir}, with the current environment plus {@code env}, where a null value
   * removes an inherited variable.
   */
  static ProcessBuilder builder(Path workingDir, Map<String, String> env, List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(ownSession(command))
        .directory(workingDir.toFile());
    env.forEach((name, value) -> {
      if (value == null) {
        builder.environment().remove(name);
      } else {
        builder.environment().put(name, value);
      }
    });
    return builder;
  }

  /**
   * The command run in a session of its own where setsid exists: a terminal's Ctrl-C then
   * reaches only the CLI, which stops its child with SIGTERM and reports once, instead of
   * every process of the group reacting (and Python printing a KeyboardInterrupt traceback).
   * setsid execs in place (a child of the JVM leads no group), so the pid stays the child's.
   */
  private static List<String> ownSession(List<String> command) {
    if (SETSID == null || !runnable(command.get(0))) {
      return command; // a missing program fails to start here, as it always did
    }
    List<String> inSession = new ArrayList<>(command.size() + 1);
    inSession.add(SETSID);
    inSession.addAll(command);
    return inSession;
  }

  private static boolean runnable(String program) {
    if (program.contains("/")) {
      return Files.isExecutable(Path.of(program));
    }
    return Arrays.stream(System.getenv().getOrDefault("PATH", "")
        .split(File.pathSeparator)).anyMatch(directory -> Files
        .isExecutable(Path.of(directory.isEmpty() ? "." : directory, program)));
  }

  /** Drains a process's output on its own thread so a chatty process never blocks. */
  private static final class OutputCollector extends Thread {
    private final InputStream input;
    private final Consumer<String> onLine;
    private final StringBuilder text = new StringBuilder();

    OutputCollector(InputStream input, Consumer<String> onLine) {
      super("process-output");
      setDaemon(true);
      this.input = input;
      this.onLine = onLine;
    }

    @Override
    public void run() {
      try (BufferedReader reader = new BufferedReader(
          new InputStreamReader(input, StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          synchronized (text) {
            text.append(line).append('\n');
          }
          onLine.accept(line);
        }
      } catch (IOException e) {
        synchronized (text) {
          text.append("[output unreadable: ").append(e.getMessage()).append("]\n");
        }
      }
    }

    String text() {
      synchronized (text) {
        return text.toString();
      }
    }
  }
}
