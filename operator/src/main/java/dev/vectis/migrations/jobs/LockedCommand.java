package dev.vectis.migrations.jobs;

import dev.vectis.migrations.ScriptResources;
import java.util.ArrayList;
import java.util.List;

/**
 * A migration or a seed run while holding the database's migration lock (see
 * {@code dev.vectis.migrations.database.AdvisoryLock}) and only on the version rows it was
 * planned from, by a small Python wrapper shipped in the jar and run with the image's own
 * Python: the migrate and seed Jobs and local mode use it alike.
 */
public final class LockedCommand {
  /** The wrapper's exit code when the lock stayed taken. */
  public static final int LOCK_TIMEOUT_EXIT = 75;
  /** The wrapper's exit code when the version rows were not the planned ones: nothing ran. */
  public static final int DATABASE_MOVED_EXIT = 76;

  private LockedCommand() {}

  /**
   * Where the version table is and which rows the plan expects there.
   *
   * @param schema the schema the version table resolves to ("" for the search_path)
   */
  public record Premise(String schema, String table, List<String> rows) {
    public Premise {
      schema = schema == null ? "" : schema;
      rows = List.copyOf(rows);
    }
  }

  public static String wrapperSource() {
    return ScriptResources.read(LockedCommand.class, "run_locked.py");
  }

  /** {@code python -c <wrapper> <key> <wait> <schema> <table> <rows> <command...>}. */
  public static List<String> command(String python, long lockKey, long waitSeconds,
      Premise premise, List<String> command) {
    List<String> wrapped = new ArrayList<>(List.of(python, "-c", wrapperSource(),
        Long.toString(lockKey), Long.toString(waitSeconds), premise.schema(), premise.table(),
        String.join(",", premise.rows())));
    wrapped.addAll(command);
    return wrapped;
  }
}
