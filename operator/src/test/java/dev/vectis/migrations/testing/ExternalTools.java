package dev.vectis.migrations.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The programs our tests run for real. When one is missing the test fails under CI (the
 * {@code CI} variable is set) and is skipped elsewhere, with the command that installs it.
 */
public final class ExternalTools {
  /** Debian's alembic: the pyenv python3 first on PATH lacks the package. */
  public static final Path ALEMBIC = Path.of("/usr/bin/alembic");
  /** Debian's python3, which has alembic, SQLAlchemy and psycopg2. */
  public static final Path PYTHON = Path.of("/usr/bin/python3");
  public static final Path PG_DUMP = Path.of("/usr/bin/pg_dump");
  public static final Path PG_RESTORE = Path.of("/usr/bin/pg_restore");

  private static final String INSTALL =
      "apt-get install -y alembic python3-alembic python3-psycopg2 postgresql-client";

  private ExternalTools() {}

  public static Path alembic() {
    return require(ALEMBIC);
  }

  public static Path python() {
    require(ALEMBIC);
    return require(PYTHON);
  }

  public static Path pgDump() {
    require(PG_RESTORE);
    return require(PG_DUMP);
  }

  private static Path require(Path tool) {
    if (Files.isExecutable(tool)) {
      return tool;
    }
    String message = tool + " is missing; install it with: " + INSTALL;
    if (System.getenv("CI") != null) {
      fail(message);
    }
    assumeTrue(false, message);
    return tool;
  }
}
