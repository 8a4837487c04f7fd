package dev.vectis.migrations.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The schema of a database's non-system schemas as PostgreSQL itself prints it (pg_catalog's
 * format_type, pg_get_indexdef, pg_get_constraintdef, pg_get_viewdef): what a rehearsal
 * compares before and after a round trip. The Alembic version table, whose rows a round trip
 * changes by design, is left out. Objects of schema {@code public} are named without it.
 *
 * @param tables table name → its columns, by name (column order is not compared: a column a
 *     downgrade adds back can only go last)
 * @param indexes index name → its definition
 * @param constraints "name on table" → its definition
 * @param sequences sequence name → type, start and increment
 * @param enums enum type name → its labels in order
 * @param views view (or materialized view) name → its definition
 * @param schemas schema name → its owner (an empty schema a downgrade leaves is one)
 * @param extensions extension name → its version
 * @param functions function (or procedure) with its argument types → a digest of its
 *     definition
 */
public record SchemaSnapshot(SortedMap<String, SortedMap<String, Column>> tables,
    SortedMap<String, String> indexes, SortedMap<String, String> constraints,
    SortedMap<String, String> sequences, SortedMap<String, List<String>> enums,
    SortedMap<String, String> views, SortedMap<String, String> schemas,
    SortedMap<String, String> extensions, SortedMap<String, String> functions) {

  /**
   * @param defaultValue the default's expression, null for none
   */
  public record Column(String type, boolean notNull, String defaultValue) {
    String describe() {
      return type + (notNull ? " NOT NULL" : "") + (defaultValue == null ? ""
          : " DEFAULT " + defaultValue);
    }
  }

  private static final String USER_SCHEMA = "n.nspname NOT IN ('pg_catalog', "
      + "'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
      + "AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

  /** How an object is named: {@code name} in public, else {@code schema.name}. */
  private static String named(String alias) {
    return "CASE WHEN n.nspname = 'public' THEN " + alias + " ELSE n.nspname || '.' || "
        + alias + " END";
  }

  /** The version table's own relation, left out ({@code ?} = its schema, {@code ?} = name). */
  private static final String NOT_VERSION_TABLE = " AND NOT (n.nspname = coalesce(?, "
      + "current_schema()) AND %s = ?)";

  /**
   * Reads the snapshot.
   *
   * @param versionTableSchema the version table's schema, null for the connection's default
   */
  public static SchemaSnapshot take(Connection connection, String versionTableSchema,
      String versionTable) throws SQLException {
    SortedMap<String, SortedMap<String, Column>> tables = new TreeMap<>();
    query(connection, "SELECT " + named("c.relname") + " FROM pg_class c JOIN pg_namespace n "
        + "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'f') AND " + USER_SCHEMA
        + NOT_VERSION_TABLE.formatted("c.relname"),
        row -> tables.put(row.getString(1), new TreeMap<>()), versionTableSchema, versionTable);
    query(connection, "SELECT " + named("c.relname") + ", a.attname, "
        + "format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid) "
        + "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        + "JOIN pg_namespace n ON n.oid = c.relnamespace "
        + "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        + "WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped AND "
        + USER_SCHEMA + NOT_VERSION_TABLE.formatted("c.relname"),
        row -> tables.get(row.getString(1)).put(row.getString(2),
            new Column(row.getString(3), row.getBoolean(4), row.getString(5))),
        versionTableSchema, versionTable);
    SortedMap<String, String> indexes = new TreeMap<>();
    query(connection, "SELECT " + named("i.relname") + ", pg_get_indexdef(x.indexrelid) "
        + "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        + "JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = i.relnamespace "
        + "WHERE " + USER_SCHEMA + NOT_VERSION_TABLE.formatted("c.relname"),
        row -> indexes.put(row.getString(1), row.getString(2)), versionTableSchema,
        versionTable);
    SortedMap<String, String> constraints = new TreeMap<>();
    query(connection, "SELECT con.conname || ' on ' || " + named("c.relname") + ", "
        + "pg_get_constraintdef(con.oid) FROM pg_constraint con "
        + "JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        + "WHERE " + USER_SCHEMA + NOT_VERSION_TABLE.formatted("c.relname"),
        row -> constraints.put(row.getString(1), row.getString(2)), versionTableSchema,
        versionTable);
    SortedMap<String, String> sequences = new TreeMap<>();
    query(connection, "SELECT " + named("c.relname") + ", format_type(s.seqtypid, NULL) "
        + "|| ' start ' || s.seqstart || ' increment ' || s.seqincrement FROM pg_sequence s "
        + "JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        + "WHERE " + USER_SCHEMA, row -> sequences.put(row.getString(1),
            row.getString(2)));
    SortedMap<String, List<String>> enums = new TreeMap<>();
    query(connection, "SELECT " + named("t.typname") + ", e.enumlabel FROM pg_enum e "
        + "JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace "
        + "WHERE " + USER_SCHEMA + " ORDER BY 1, e.enumsortorder",
        row -> enums.computeIfAbsent(row.getString(1), name -> new ArrayList<>())
            .add(row.getString(2)));
    SortedMap<String, String> views = new TreeMap<>();
    query(connection, "SELECT " + named("c.relname") + ", pg_get_viewdef(c.oid) "
        + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        + "WHERE c.relkind IN ('v', 'm') AND " + USER_SCHEMA,
        row -> views.put(row.getString(1), row.getString(2).strip()));
    SortedMap<String, String> schemas = new TreeMap<>();
    query(connection, "SELECT n.nspname, pg_get_userbyid(n.nspowner) FROM pg_namespace n "
        + "WHERE " + USER_SCHEMA, row -> schemas.put(row.getString(1), row.getString(2)));
    SortedMap<String, String> extensions = new TreeMap<>();
    query(connection, "SELECT extname, extversion FROM pg_extension WHERE extname <> "
        + "'plpgsql'", row -> extensions.put(row.getString(1), row.getString(2)));
    // Functions an extension brings are the extension's business (compared above).
    SortedMap<String, String> functions = new TreeMap<>();
    query(connection, "SELECT " + named("p.proname") + " || '(' || "
        + "pg_get_function_identity_arguments(p.oid) || ')', md5(pg_get_functiondef(p.oid)) "
        + "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        + "WHERE p.prokind IN ('f', 'p') AND " + USER_SCHEMA + " AND NOT EXISTS (SELECT 1 "
        + "FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
        row -> functions.put(row.getString(1), row.getString(2)));
    return new SchemaSnapshot(tables, indexes, constraints, sequences, enums, views, schemas,
        extensions, functions);
  }

  private interface Row {
    void read(ResultSet row) throws SQLException;
  }

  private static void query(Connection connection, String sql, Row row,
      String... parameters) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setString(i + 1, parameters[i]);
      }
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          row.read(rows);
        }
      }
    }
  }
}
