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
    String qualified = (schema == null ? "" : schema.quoted() + ".") + table.quoted();
    try (PreparedStatement exists = connection.prepareStatement("SELECT to_regclass(?)")) {
      exists.setString(1, qualified);
      try (ResultSet result = exists.executeQuery()) {
        result.next();
        if (result.getString(1) == null) {
          return List.of();
        }
      }
    }
    List<String> rows = new ArrayList<>();
    try (Statement select = connection.createStatement();
        ResultSet result = select.executeQuery("SELECT version_num FROM " + qualified)) {
      while (result.next()) {
        rows.add(result.getString(1));
      }
    }
    return rows;
  }

  /** What one connection saw: the rows and the server's major version. */
  public record Observed(List<String> rows, int serverMajor) {}

  /** Connects, reads the rows and the server version, and closes. */
  public Observed observe(ConnectionSettings settings) throws SQLException {
    try (Connection connection = DriverManager.getConnection(settings.jdbcUrl(),
        settings.jdbcProperties())) {
      return new Observed(read(connection), serverMajorVersion(connection));
    }
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
