package dev.vectis.migrations.testing;

import dev.vectis.migrations.api.SslMode;
import dev.vectis.migrations.database.ConnectionSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** One database on the test PostgreSQL server, with the ways our code and tools reach it. */
public record TestDatabase(String host, int port, String name, String user, String password) {
  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + name;
  }

  /** The URL Alembic's env.py reads from DATABASE_URL. */
  public String sqlAlchemyUrl() {
    return "postgresql://" + user + ":" + password + "@" + host + ":" + port + "/" + name;
  }

  /** The same database as the operator's code sees it. */
  public ConnectionSettings settings() {
    return new ConnectionSettings(host, port, name, user, password, SslMode.DISABLE);
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), user, password);
  }

  /** Runs a query and returns the first column of every row, as text. */
  public List<String> column(String sql) throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      List<String> values = new ArrayList<>();
      while (rows.next()) {
        values.add(rows.getString(1));
      }
      return values;
    }
  }

  public long count(String sql) throws SQLException {
    return Long.parseLong(column(sql).get(0));
  }

  public void execute(String sql) throws SQLException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  public boolean tableExists(String table) throws SQLException {
    return count("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' "
        + "AND table_name = '" + table + "'") == 1;
  }

  /** How many other sessions are running a statement that contains {@code text} now. */
  public long activeStatements(String text) throws SQLException {
    return count("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND "
        + "pid <> pg_backend_pid() AND query LIKE '%" + text.replace("'", "''") + "%'");
  }
}
