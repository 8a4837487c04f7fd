package dev.vectis.migrations.database;

import dev.vectis.migrations.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * The session-level PostgreSQL advisory lock that serialises migrations of one version table:
 * two SchemaMigrations, or an app replica running {@code alembic upgrade} itself, cannot
 * migrate the same database at once. The key is stable (derived from database, schema and
 * table), so every process that knows them takes the same lock.
 */
public final class AdvisoryLock {
  private static final String NAMESPACE = "schema-migration-operator";

  private final long key;

  private AdvisoryLock(long key) {
    this.key = key;
  }

  /**
   * @param schema the schema the version table resolves to ({@link
   *     VersionTableReader#resolvedSchema}), never "unset": an unset schema and the schema it
   *     resolves to are one table, and must be one lock
   */
  public static AdvisoryLock forVersionTable(String database, String schema, String table) {
    if (schema == null || schema.isEmpty()) {
      throw new IllegalArgumentException("the migration lock needs the schema the version "
          + "table resolves to");
    }
    String identity = NAMESPACE + "\0" + database + "\0" + schema + "\0" + table;
    return new AdvisoryLock(ByteBuffer.wrap(Sha256.of(identity.getBytes(
        StandardCharsets.UTF_8))).getLong());
  }

  /** The 64-bit key, as {@code pg_advisory_lock(bigint)} takes it. */
  public long key() {
    return key;
  }

  /** Takes the lock if it is free; the connection holds it until {@link #unlock} or it closes. */
  public boolean tryLock(Connection connection) throws SQLException {
    return booleanQuery(connection, "SELECT pg_try_advisory_lock(?)");
  }

  /** Waits at most {@code timeout} for the lock; false when it is still held by another. */
  public boolean lock(Connection connection, Duration timeout) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET LOCAL lock_timeout = " + Math.max(1, timeout.toMillis()));
      boolean locked = booleanQuery(connection, "SELECT true FROM (SELECT pg_advisory_lock(?)) AS locked");
      connection.commit();
      return locked;
    } catch (SQLException e) {
      connection.rollback();
      if ("55P03".equals(e.getSQLState())) {
        return false;
      }
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  public boolean unlock(Connection connection) throws SQLException {
    return booleanQuery(connection, "SELECT pg_advisory_unlock(?)");
  }

  /** Who holds the lock: another session's pid, application name and since when. */
  public record Holder(int pid, String applicationName, OffsetDateTime since) {}

  public Optional<Holder> holder(Connection connection) throws SQLException {
    // A bigint key is stored as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
    String sql = "SELECT l.pid, a.application_name, a.backend_start FROM pg_locks l "
        + "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
        + "AND l.granted AND l.objsubid = 1 AND l.classid::bigint = ? AND l.objid::bigint = ? "
        + "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setLong(1, key >>> 32);
      statement.setLong(2, key & 0xffffffffL);
      try (ResultSet result = statement.executeQuery()) {
        if (!result.next()) {
          return Optional.empty();
        }
        return Optional.of(new Holder(result.getInt(1), result.getString(2),
            result.getObject(3, OffsetDateTime.class)));
      }
    }
  }

  private boolean booleanQuery(Connection connection, String sql) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setLong(1, key);
      try (ResultSet result = statement.executeQuery()) {
        result.next();
        return result.getBoolean(1);
      }
    }
  }
}
