package dev.vectis.migrations.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(PostgresExtension.class)
class VersionTableReaderTest {
  private static List<String> read(TestDatabase db, String schema, String table)
      throws SQLException {
    try (Connection connection = db.connect()) {
      return VersionTableReader.of(schema, table).read(connection);
    }
  }

  @Test
  void aMissingTableIsBase(TestDatabase db) throws SQLException {
    assertThat(read(db, null, "alembic_version")).isEmpty();
    assertThat(db.tableExists("alembic_version")).as("nothing is created").isFalse();
  }

  @Test
  void aMissingSchemaIsBase(TestDatabase db) throws SQLException {
    assertThat(read(db, "nosuchschema", "alembic_version")).isEmpty();
  }

  @Test
  void emptyOneAndSeveralRowsInTableOrder(TestDatabase db) throws SQLException {
    db.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)");
    assertThat(read(db, null, "alembic_version")).isEmpty();
    db.execute("INSERT INTO alembic_version VALUES ('5731d674e022')");
    assertThat(read(db, null, "alembic_version")).containsExactly("5731d674e022");
    db.execute("INSERT INTO alembic_version VALUES ('c2'), ('a1')");
    assertThat(read(db, null, "alembic_version")).containsExactly("5731d674e022", "c2", "a1");
  }

  @Test
  void customSchemaTableAndMixedCase(TestDatabase db) throws SQLException {
    db.execute("CREATE SCHEMA \"Migrations\"");
    db.execute("CREATE TABLE \"Migrations\".\"VectisVersion\" (version_num varchar(32))");
    db.execute("INSERT INTO \"Migrations\".\"VectisVersion\" VALUES ('abc123')");
    db.execute("CREATE TABLE public.alembic_version (version_num varchar(32))");
    db.execute("INSERT INTO public.alembic_version VALUES ('other')");
    assertThat(read(db, "Migrations", "VectisVersion")).containsExactly("abc123");
    assertThat(read(db, "migrations", "VectisVersion")).as("case matters, as in Alembic")
        .isEmpty();
    assertThat(read(db, "public", "alembic_version")).containsExactly("other");
  }

  @ParameterizedTest
  @ValueSource(strings = {"alembic_version; DROP TABLE orders", "alembic\"version", "x'y",
      "version-table", "versión", "1table", "",
      "a234567890123456789012345678901234567890123456789012345678901234"})
  void hostileIdentifiersAreRejectedBeforeAnySql(String identifier) {
    assertThatThrownBy(() -> VersionTableReader.of(null, identifier))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("spec.alembic.versionTable: not a valid SQL identifier");
    assertThatThrownBy(() -> VersionTableReader.of(identifier, "alembic_version"))
        .hasMessageStartingWith("spec.alembic.versionTableSchema: not a valid SQL identifier");
  }

  @Test
  void serverMajorVersion(TestDatabase db) throws SQLException {
    try (Connection connection = db.connect()) {
      assertThat(VersionTableReader.serverMajorVersion(connection)).isEqualTo(15);
    }
  }

  /** Unset and "public" name one table, so they must name one migration lock. */
  @Test
  void anUnsetSchemaResolvesToTheSchemaTheTableIsIn(TestDatabase db) throws SQLException {
    try (Connection connection = db.connect()) {
      assertThat(VersionTableReader.of(null, "alembic_version").resolvedSchema(connection))
          .as("before the table exists: where Alembic will create it").isEqualTo("public");
      db.execute("CREATE SCHEMA app");
      db.execute("CREATE TABLE app.alembic_version (version_num varchar(32))");
      try (var statement = connection.createStatement()) {
        statement.execute("SET search_path = app, public");
      }
      assertThat(VersionTableReader.of(null, "alembic_version").resolvedSchema(connection))
          .isEqualTo("app");
      assertThat(VersionTableReader.of("public", "alembic_version").resolvedSchema(connection))
          .isEqualTo("public");
    }
    assertThat(VersionTableReader.of(null, "alembic_version").observe(db.settings()).schema())
        .isEqualTo(VersionTableReader.of("public", "alembic_version").observe(db.settings())
            .schema());
  }
}
