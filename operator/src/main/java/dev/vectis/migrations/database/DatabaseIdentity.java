package dev.vectis.migrations.database;

import dev.vectis.migrations.Sha256;
import java.util.Locale;

/**
 * Which database something belongs to: server (host, port) and database name, never a
 * resource's name. Backups, their retention and local mode's saved status are kept under
 * {@link #key()}, so one SchemaMigration run against two databases keeps two histories.
 */
public record DatabaseIdentity(String host, int port, String database) {
  public DatabaseIdentity {
    host = host.toLowerCase(Locale.ROOT);
  }

  public static DatabaseIdentity of(ConnectionSettings settings) {
    return new DatabaseIdentity(settings.host(), settings.port(), settings.database());
  }

  /**
   * A name usable as one path segment: a readable part (letters, digits, '.', '_', '-' only)
   * and a hash of the exact identity, so two databases never share it and it cannot climb
   * out of a directory ("..", "/").
   */
  public String key() {
    String readable = (host + "-" + port + "-" + database).replaceAll("[^A-Za-z0-9_.-]", "_")
        .replaceAll("^[.]+", "_");
    if (readable.length() > 80) {
      readable = readable.substring(0, 80);
    }
    return readable + "-" + Sha256.hex(host + "\n" + port + "\n" + database).substring(0, 12);
  }

  /** host:port/database, for messages. */
  public String describe() {
    String shownHost = host.contains(":") ? "[" + host + "]" : host;
    return shownHost + ":" + port + "/" + database;
  }
}
