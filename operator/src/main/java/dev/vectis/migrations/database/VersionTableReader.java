package dev.vectis.migrations.database;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Alembic's version table the way Alembic does: {@code SELECT version_num} without
 * ORDER BY (the row order matters for {@code downgrade -N}); a missing schema or table means
 * base. It never creates or changes anything.
 */
public final class VersionTableReader {
  private final SqlIdentifier schema;
  private final SqlIdentifier table;

  /** @param schema null for the connection's search_path, as Alembic does */
  public VersionTableReader(SqlIdentifier schema, SqlIdentifier table) {
    this.schema = schema;
    this.table = table;
  }

  public static VersionTableReader of(String schema, String table) {
    return new VersionTableReader(
        schema == null ? null : SqlIdentifier.of("spec.alembic.versionTableSchema", schema),
        SqlIdentifier.of("spec.alembic.versionTable", table == null ? "alembic_version" : table));
  }

  /** The rows in the order PostgreSQL returns them; empty when the table does not exist. */
  public List<String> read(Connection connection) throws SQLException {
    String qualified = qualified();
    try (PreparedStatement exists = connection.prepareStatement("SELECT to_regclass(?)")) {
      exists.setString(1, qualified);
      try (ResultSet result = exists.executeQuery()) {
        result.next();
        if (result.getString(1) == null) {
          return List.of();
        }
      }
    }
    return selectRows(connection, qualified);
  }

  private static List<String> selectRows(Connection connection, String qualified)
      throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement select = connection.createStatement();
        ResultSet result = select.executeQuery("SELECT version_num FROM " + qualified)) {
      while (result.next()) {
        rows.add(result.getString(1));
      }
    }
    return rows;
  }

  /**
   * The schema the version table is in, or will be created in: the spec's schema, else the
   * table's schema on the search_path, else the first schema of the search_path (where
   * Alembic creates it). Unset and {@code public} are then one table, and one lock.
   */
  public String resolvedSchema(Connection connection) throws SQLException {
    if (schema != null) {
      return schema.name();
    }
    try (PreparedStatement statement = connection.prepareStatement("SELECT COALESCE((SELECT "
        + "n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        + "WHERE c.oid = to_regclass(?)), current_schema(), 'public')")) {
      statement.setString(1, table.quoted());
      try (ResultSet result = statement.executeQuery()) {
        result.next();
        return result.getString(1);
      }
    }
  }

  /**
   * What one connection saw: the rows, the server's major version and the schema the version
   * table resolves to.
   */
  public record Observed(List<String> rows, int serverMajor, String schema) {}

  /** Connects, reads the rows, the server version and the table's schema, and closes. */
  public Observed observe(ConnectionSettings settings) throws SQLException {
    try (Connection connection = DriverManager.getConnection(settings.jdbcUrl(),
        settings.jdbcProperties())) {
      return observe(connection);
    }
  }

  /**
   * Reads the rows, the server version and the table's schema on this connection, in two
   * round trips (one when the table does not exist): the operator does this at every
   * reconcile.
   */
  public Observed observe(Connection connection) throws SQLException {
    String qualified = qualified();
    boolean present;
    String resolved;
    int major;
    try (PreparedStatement statement = connection.prepareStatement("SELECT to_regclass(?) IS "
        + "NOT NULL, COALESCE((SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = "
        + "c.relnamespace WHERE c.oid = to_regclass(?)), current_schema(), 'public'), "
        + "current_setting('server_version_num')")) {
      statement.setString(1, qualified);
      statement.setString(2, qualified);
      try (ResultSet result = statement.executeQuery()) {
        result.next();
        present = result.getBoolean(1);
        resolved = schema != null ? schema.name() : result.getString(2);
        major = Integer.parseInt(result.getString(3).strip()) / 10000;
      }
    }
    return new Observed(present ? selectRows(connection, qualified) : List.of(), major,
        resolved);
  }

  private String qualified() {
    return (schema == null ? "" : schema.quoted() + ".") + table.quoted();
  }

  /** The migration lock of this version table in the connection's database. */
  public AdvisoryLock lock(Connection connection, String database) throws SQLException {
    return AdvisoryLock.forVersionTable(database, resolvedSchema(connection), table.name());
  }

  /** The table's name (validated). */
  public String table() {
    return table.name();
  }

  /** The server's major version, e.g. 15 (it picks the default backup image). */
  public static int serverMajorVersion(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("SHOW server_version_num")) {
      result.next();
      return Integer.parseInt(result.getString(1).strip()) / 10000;
    }
  }
}
