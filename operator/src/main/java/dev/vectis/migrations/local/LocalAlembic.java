package dev.vectis.migrations.local;

import dev.vectis.migrations.revision.InspectionScript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The project's own Alembic, run as local processes. */
public final class LocalAlembic {
  private LocalAlembic() {}

  /**
   * The Python that has Alembic: the interpreter named in the {@code #!} line of the
   * {@code alembic} script on PATH (Debian's is /usr/bin/python3, which a pyenv python3 earlier
   * on PATH may shadow), else {@code python3}.
   */
  public static String defaultPython() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String directory : path.split(java.io.File.pathSeparator)) {
      Path alembic = Path.of(directory.isEmpty() ? "." : directory, "alembic");
      if (Files.isRegularFile(alembic) && Files.isExecutable(alembic)) {
        try {
          String first = Files.readAllLines(alembic).stream().findFirst().orElse("");
          if (first.startsWith("#!")) {
            String interpreter = first.substring(2).strip().split("\\s+")[0];
            if (interpreter.contains("python") && Files.isExecutable(Path.of(interpreter))) {
              return interpreter;
            }
          }
        } catch (IOException | RuntimeException e) {
          // not a readable script: keep looking
        }
      }
    }
    return "python3";
  }

  /**
   * Loads the revision graph of the project whose alembic.ini is {@code projectDir/config}:
   * from the {@link InspectionCache} when the project is unchanged since it was last
   * inspected, else by running the inspection script.
   */
  public static InspectionScript.Result inspect(Path projectDir, String config, String python) {
    return inspect(projectDir, config, python, InspectionCache.fromEnvironment());
  }

  /** The same with the given cache. */
  public static InspectionScript.Result inspect(Path projectDir, String config, String python,
      InspectionCache cache) {
    if (!Files.isDirectory(projectDir)) {
      return new InspectionScript.Result(null, null, "project directory " + projectDir
          + " does not exist");
    }
    ProcessRunner.Result run = run(projectDir, config, python, cache);
    InspectionScript.Result result = InspectionScript.parse(run.output());
    if (!result.ok() && result.error() != null
        && result.error().startsWith("the inspection printed no graph")) {
      // Not a Python at all, or a revision that ended or hung the process.
      String last = result.error().strip().lines().reduce((first, second) -> second).orElse("");
      return new InspectionScript.Result(null, null, python + " printed no inspection result ("
          + (run.timedOut() ? "killed after 2 minutes" : "exit " + run.exitCode())
          + "; its last line: " + last.substring(Math.max(0, last.length() - 160))
          + "): give --python a Python 3 that has Alembic, or find the revision that exits, "
          + "is killed or hangs when it is loaded or its upgrade()/downgrade() runs");
    }
    if (!result.ok() && result.error() != null
        && result.error().contains("No module named 'alembic")) {
      // The usual cause: a python3 earlier on PATH (pyenv, a venv) that lacks Alembic.
      return new InspectionScript.Result(null, null, result.error() + " (" + python
          + " has no Alembic: give --python the interpreter that has it, e.g. the one in the "
          + "first line of `which alembic`)");
    }
    return result;
  }

  /**
   * The inspection script's output, which {@link InspectionScript#parse} reads: cached (see
   * {@link #inspect}), else from running it.
   */
  public static ProcessRunner.Result run(Path projectDir, String config, String python) {
    return run(projectDir, config, python, InspectionCache.fromEnvironment());
  }

  /** The same with the given cache. */
  public static ProcessRunner.Result run(Path projectDir, String config, String python,
      InspectionCache cache) {
    return cache.inspection(projectDir, config, python, () -> runScript(projectDir, config,
        python));
  }

  /** Runs the inspection script, never from the cache. */
  public static ProcessRunner.Result runScript(Path projectDir, String config, String python) {
    // The script runs each revision's upgrade() and downgrade() offline; a database the shell
    // points at is kept out of reach of a revision that would open its own connection.
    Map<String, String> env = new java.util.HashMap<>();
    env.put("PYTHONDONTWRITEBYTECODE", "1");
    for (String name : List.of("DATABASE_URL", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER",
        "PGPASSWORD", "PGSERVICE")) {
      env.put(name, null);
    }
    // Without a host libpq would try the local socket: point it where no server listens.
    env.put("PGHOST", "/nonexistent/schema-migration-inspection");
    return ProcessRunner.run(projectDir, env, Duration.ofMinutes(2),
        InspectionScript.command(python, config));
  }
}
