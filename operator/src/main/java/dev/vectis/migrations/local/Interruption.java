package dev.vectis.migrations.local;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) or SIGTERM during a local run. A signal handler (not a shutdown hook, which
 * cannot tell the signals apart and would let the embedded PostgreSQL stop before the report)
 * records the signal and stops the running child with SIGTERM; the run then reports once,
 * closes what it opened and exits 128 + the signal's number.
 */
public final class Interruption {
  private static final int SIGINT = 2;
  private static final int SIGTERM = 15;
  private static volatile int signal;
  private static volatile Process running;
  private static final CountDownLatch RECEIVED = new CountDownLatch(1);
  private static volatile boolean installed;
  private static volatile boolean ownProcess;

  private Interruption() {}

  /**
   * The JVM is the CLI's own (its main method runs): {@link #install} may take over its
   * signals. A test running commands in its own JVM keeps its default handling.
   */
  public static void ownProcess() {
    ownProcess = true;
  }

  /** Takes over SIGINT and SIGTERM for this JVM (commands that report an interruption). */
  public static synchronized void install() {
    if (installed || !ownProcess) {
      return;
    }
    installed = true;
    for (String name : List.of("INT", "TERM")) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), Interruption::received);
      } catch (IllegalArgumentException unavailable) {
        // the JVM keeps its default (an exit through the shutdown hooks)
      }
    }
  }

  private static void received(sun.misc.Signal received) {
    boolean again = signal != 0;
    if (!again) {
      signal = received.getNumber();
      RECEIVED.countDown();
    }
    Process process = running;
    if (process != null) {
      // A second signal means "now": no more waiting for a clean stop.
      if (again) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      } else {
        process.destroy();
      }
    }
  }

  public static boolean requested() {
    return signal != 0;
  }

  /**
   * Whether a signal came, waiting up to {@code wait} for one: a child that failed may have
   * died of the same Ctrl-C, which the JVM's handler thread has not recorded yet.
   */
  public static boolean requested(Duration wait) {
    if (!installed) {
      return false;
    }
    try {
      return RECEIVED.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return requested();
    }
  }

  /** 130 after SIGINT, 143 after SIGTERM (as shells report a process the signal ended). */
  public static int exitCode() {
    return 128 + (signal == 0 ? SIGINT : signal);
  }

  /** The one line an interrupted run prints: what was stopped, and where the database is. */
  public static String line(String what) {
    return "==> Interrupted (" + (signal == SIGTERM ? "SIGTERM" : "SIGINT") + "): " + what;
  }

  static void running(Process process) {
    running = process;
    if (process != null && requested()) {
      process.destroy();
    }
  }
}
