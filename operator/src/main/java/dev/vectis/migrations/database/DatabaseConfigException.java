package dev.vectis.migrations.database;

/**
 * The connection settings cannot be formed: a Secret or one of its keys is missing or holds
 * something unusable. The message names the Secret and the key, never a value.
 */
public final class DatabaseConfigException extends RuntimeException {
  public DatabaseConfigException(String message) {
    super(message, null, false, false);
  }
}
