package dev.vectis.migrations.plan;

/**
 * How an action's process ended, as each runtime observed it (a Job and its pod, or a local
 * process). {@link Outcomes} alone decides what it means.
 *
 * @param ending how the process ended
 * @param exitCode its exit code when it exited by itself (see {@link #LOCK_TIMEOUT} and
 *     {@link #DATABASE_MOVED}), else -1
 * @param output what it printed, already masked
 * @param backup for a backup that reported its dump: where it is and what it holds
 */
public record ActionResult(Ending ending, int exitCode, String output, Backup backup) {
  /** The migration wrapper's exit code when another migration held the lock too long. */
  public static final int LOCK_TIMEOUT = 75;
  /** The migration wrapper's exit code when the version rows were not the planned ones. */
  public static final int DATABASE_MOVED = 76;

  public enum Ending {
    /** The process exited by itself; {@link #exitCode} says how. */
    EXITED,
    /** Killed at the action's deadline. */
    DEADLINE_EXCEEDED,
    /** Killed for using more memory than allowed. */
    OUT_OF_MEMORY,
    /** It never ran (the pod was evicted, or its image could not be pulled): transient. */
    NEVER_RAN,
    /** Stopped by a person (Ctrl-C), or lost with the process that watched it. */
    INTERRUPTED,
    /**
     * Its result was never read: its Job is gone (TTL, a person), or the local run that
     * started it was killed.
     */
    LOST
  }

  /** A verified dump. */
  public record Backup(String location, long sizeBytes, String sha256) {}

  public ActionResult {
    output = output == null ? "" : output;
  }

  public static ActionResult exited(int exitCode, String output) {
    return new ActionResult(Ending.EXITED, exitCode, output, null);
  }

  public boolean succeeded() {
    return ending == Ending.EXITED && exitCode == 0;
  }
}
