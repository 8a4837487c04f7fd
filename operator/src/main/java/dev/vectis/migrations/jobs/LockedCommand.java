package dev.vectis.migrations.jobs;

import dev.vectis.migrations.ScriptResources;
import java.util.ArrayList;
import java.util.List;

/**
 * A command run while holding the database's migration lock (see
 * {@code dev.vectis.migrations.database.AdvisoryLock}), by a small Python wrapper shipped in
 * the jar and run with the image's own Python: the migrate Job and local mode use it alike.
 */
public final class LockedCommand {
  /** The wrapper's exit code when the lock stayed taken. */
  public static final int LOCK_TIMEOUT_EXIT = 75;

  private LockedCommand() {}

  public static String wrapperSource() {
    return ScriptResources.read(LockedCommand.class, "run_locked.py");
  }

  /** {@code python -c <wrapper> <key> <wait> <command...>}. */
  public static List<String> command(String python, long lockKey, long waitSeconds,
      List<String> command) {
    List<String> wrapped = new ArrayList<>(List.of(python, "-c", wrapperSource(),
        Long.toString(lockKey), Long.toString(waitSeconds)));
    wrapped.addAll(command);
    return wrapped;
  }
}
