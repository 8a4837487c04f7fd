package dev.vectis.migrations.database;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class ExistingTablesTest {
  @Test
  void tablesAndViewsByQualifiedNameAndThoseOfTheCurrentSchemaAlsoBare(TestDatabase db)
      throws SQLException {
    db.execute("CREATE TABLE roles (id integer)");
    db.execute("CREATE VIEW role_names AS SELECT id FROM roles");
    db.execute("CREATE SCHEMA audit");
    db.execute("CREATE TABLE audit.log (id integer)");
    db.execute("CREATE SEQUENCE order_numbers");
    try (Connection connection = db.connect()) {
      Set<String> tables = ExistingTables.read(connection);
      assertThat(tables).contains("roles", "public.roles", "role_names", "public.role_names",
          "audit.log").doesNotContain("log", "order_numbers", "public.order_numbers");
      assertThat(tables).noneMatch(name -> name.startsWith("pg_catalog.")
          || name.startsWith("information_schema."));
    }
  }
}
