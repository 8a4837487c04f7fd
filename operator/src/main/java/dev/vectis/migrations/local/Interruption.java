package dev.vectis.migrations.local;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) or SIGTERM during a local run: the action's process is stopped (SIGTERM to
 * the migration wrapper, which ends Alembic with it and closes its connections), and the JVM
 * waits a little while the engine reports where the database is and saves its status; the
 * embedded PostgreSQL stops only after that.
 */
public final class Interruption {
  private static final long REPORT_SECONDS = 20;
  private static volatile boolean requested;
  private static volatile Process running;
  private static final CountDownLatch REPORTED = new CountDownLatch(1);
  private static Thread hook;

  private Interruption() {}

  /** Installs the shutdown hook once per JVM (local mode's commands call it). */
  public static synchronized void install() {
    if (hook != null) {
      return;
    }
    hook = new Thread(() -> {
      requested = true;
      Process process = running;
      if (process != null) {
        process.destroy();
      }
      awaitReport();
    }, "interrupted-run");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  public static boolean requested() {
    return requested;
  }

  static void running(Process process) {
    running = process;
    if (process != null && requested) {
      process.destroy();
    }
  }

  /** The engine has said and saved what it had to: the JVM may go. */
  public static void reported() {
    REPORTED.countDown();
  }

  /** Waits (bounded) until the engine has reported, when a run was interrupted. */
  static void awaitReport() {
    if (!requested) {
      return;
    }
    try {
      REPORTED.await(REPORT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
