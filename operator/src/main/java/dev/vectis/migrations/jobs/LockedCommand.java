package dev.vectis.migrations.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
    try (InputStream in = LockedCommand.class.getResourceAsStream("run_locked.py")) {
      if (in == null) {
        throw new IllegalStateException("run_locked.py is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
