package dev.vectis.migrations.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a scratch database a user gave {@code rehearse} holds of its own, taken before and
 * after the rehearsal: it must hold no tables, views, sequences or types at the start, and
 * afterwards exactly what appeared since (schemas, extensions, relations, types, routines) is
 * dropped again, so the database is ready for the next rehearsal and keeps no copy of a dump.
 * Nothing that was there before is ever dropped. Extensions' own objects are not counted.
 *
 * @param schemas the non-system schemas' names
 * @param extensions the extensions' names
 * @param objects each object's kind as DROP spells it (TABLE, VIEW, ...) and its qualified,
 *     quoted identity (with its argument types for a routine)
 */
public record ScratchInventory(Set<String> schemas, Set<String> extensions,
    Set<DatabaseObject> objects) {

  public record DatabaseObject(String kind, String schema, String identity) {}

  private static final String USER_SCHEMA = "n.nspname NOT IN ('pg_catalog', "
      + "'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
      + "AND n.nspname NOT LIKE 'pg\\_temp\\_%'";
  private static final String NOT_EXTENSION_MEMBER = "NOT EXISTS (SELECT 1 FROM pg_depend d "
      + "WHERE d.classid = %s::regclass AND d.objid = %s AND d.deptype = 'e')";
  /** The kinds dropped in this order: dependents before what they depend on. */
  private static final List<String> DROP_ORDER = List.of("MATERIALIZED VIEW", "VIEW",
      "FOREIGN TABLE", "TABLE", "SEQUENCE", "PROCEDURE", "AGGREGATE", "FUNCTION", "DOMAIN",
      "TYPE");
  /** The kinds that make a scratch database not empty. */
  private static final Set<String> CONTENT = Set.of("MATERIALIZED VIEW", "VIEW",
      "FOREIGN TABLE", "TABLE", "SEQUENCE", "DOMAIN", "TYPE");

  public static ScratchInventory take(Connection connection) throws SQLException {
    Set<String> schemas = new LinkedHashSet<>();
    query(connection, "SELECT n.nspname FROM pg_namespace n WHERE " + USER_SCHEMA,
        row -> schemas.add(row.getString(1)));
    Set<String> extensions = new LinkedHashSet<>();
    query(connection, "SELECT extname FROM pg_extension",
        row -> extensions.add(row.getString(1)));
    Set<DatabaseObject> objects = new LinkedHashSet<>();
    query(connection, "SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN "
        + "'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' "
        + "ELSE 'TABLE' END, n.nspname, format('%I.%I', n.nspname, c.relname) "
        + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        + "WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') AND " + USER_SCHEMA + " AND "
        + NOT_EXTENSION_MEMBER.formatted("'pg_class'", "c.oid"),
        row -> objects.add(new DatabaseObject(row.getString(1), row.getString(2),
            row.getString(3))));
    query(connection, "SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, "
        + "n.nspname, format('%I.%I', n.nspname, t.typname) FROM pg_type t "
        + "JOIN pg_namespace n ON n.oid = t.typnamespace "
        + "LEFT JOIN pg_class c ON c.oid = t.typrelid "
        + "WHERE (t.typtype IN ('e', 'r', 'd') OR (t.typtype = 'c' AND c.relkind = 'c')) AND "
        + USER_SCHEMA + " AND " + NOT_EXTENSION_MEMBER.formatted("'pg_type'", "t.oid"),
        row -> objects.add(new DatabaseObject(row.getString(1), row.getString(2),
            row.getString(3))));
    query(connection, "SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN "
        + "'AGGREGATE' ELSE 'FUNCTION' END, n.nspname, format('%I.%I(%s)', n.nspname, "
        + "p.proname, pg_get_function_identity_arguments(p.oid)) FROM pg_proc p "
        + "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind IN ('f', 'p', 'a') "
        + "AND " + USER_SCHEMA + " AND " + NOT_EXTENSION_MEMBER.formatted("'pg_proc'", "p.oid"),
        row -> objects.add(new DatabaseObject(row.getString(1), row.getString(2),
            row.getString(3))));
    return new ScratchInventory(schemas, extensions, objects);
  }

  /**
   * What makes the database not empty for a rehearsal, e.g. "3 tables, 1 sequence"; "" when
   * it holds no tables, views, sequences or types.
   */
  public String contents() {
    Map<String, Integer> counts = new TreeMap<>();
    for (DatabaseObject object : objects) {
      if (CONTENT.contains(object.kind())) {
        counts.merge(object.kind().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
      }
    }
    List<String> parts = new ArrayList<>();
    counts.forEach((kind, count) -> parts.add(count + " " + kind + (count == 1 ? "" : "s")));
    return String.join(", ", parts);
  }

  /**
   * The statements that drop what {@code after} holds and this inventory did not: new schemas
   * and extensions with all they contain, then new objects in the schemas that were there,
   * dependents first. Each is {@code IF EXISTS ... CASCADE}: a drop before may have taken it.
   * Pure.
   */
  public List<String> dropStatementsFor(ScratchInventory after) {
    List<String> statements = new ArrayList<>();
    for (String schema : after.schemas()) {
      if (!schemas.contains(schema)) {
        statements.add("DROP SCHEMA IF EXISTS " + quote(schema) + " CASCADE");
      }
    }
    for (String extension : after.extensions()) {
      if (!extensions.contains(extension)) {
        statements.add("DROP EXTENSION IF EXISTS " + quote(extension) + " CASCADE");
      }
    }
    for (String kind : DROP_ORDER) {
      for (DatabaseObject object : after.objects()) {
        if (object.kind().equals(kind) && schemas.contains(object.schema())
            && !objects.contains(object)) {
          statements.add("DROP " + kind + " IF EXISTS " + object.identity() + " CASCADE");
        }
      }
    }
    return statements;
  }

  /** An identifier quoted as PostgreSQL's quote_ident always may. */
  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private interface Row {
    void read(ResultSet row) throws SQLException;
  }

  private static void query(Connection connection, String sql, Row row) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        row.read(rows);
      }
    }
  }
}
