package dev.vectis.migrations.local;

import dev.vectis.migrations.api.SslMode;
import dev.vectis.migrations.database.ConnectionSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Local mode's PostgreSQL when no {@code --database-url} is given: an embedded server whose
 * data lives in a directory, so consecutive runs see the same database. Closed on exit, also
 * on Ctrl-C.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private final EmbeddedPostgres postgres;
  private final Thread shutdownHook;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
    this.shutdownHook = new Thread(() -> {
      Interruption.awaitReport(); // the interrupted run reads the database once more
      stopQuietly();
    }, "embedded-postgres-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  public static EmbeddedDatabase start(Path dataDirectory) throws IOException {
    Files.createDirectories(dataDirectory);
    EmbeddedPostgres postgres = EmbeddedPostgres.builder()
        .setDataDirectory(dataDirectory)
        .setCleanDataDirectory(false)
        .setPort(freePort())
        .start();
    return new EmbeddedDatabase(postgres);
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
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
