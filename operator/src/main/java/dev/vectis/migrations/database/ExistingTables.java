package dev.vectis.migrations.database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;

/**
 * The tables (and views) of a database outside PostgreSQL's own schemas, read only when the
 * version table holds no rows: each as {@code schema.table}, and those of the connection's
 * current schema (where Alembic creates a table without a schema) also by their bare name.
 */
public final class ExistingTables {
  /** Enough for any real schema; a database with more is not diagnosed past them. */
  static final int LIMIT = 20_000;

  private ExistingTables() {}

  public static Set<String> read(Connection connection) throws SQLException {
    Set<String> tables = new HashSet<>();
    try (Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("SELECT n.nspname, c.relname, "
            + "n.nspname = current_schema() FROM pg_class c JOIN pg_namespace n "
            + "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') "
            + "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            + "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' "
            + "LIMIT " + LIMIT)) {
      while (result.next()) {
        tables.add(result.getString(1) + "." + result.getString(2));
        if (result.getBoolean(3)) {
          tables.add(result.getString(2));
        }
      }
    }
    return tables;
  }
}
