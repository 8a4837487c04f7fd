package dev.vectis.migrations.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SecretKeys;
import dev.vectis.migrations.api.SecretRef;
import dev.vectis.migrations.api.SslMode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretConnectionTest {
  private static final String PASSWORD = "p@ss:w/rd%40 x";

  private static DatabaseSpec secretRef(String name) {
    DatabaseSpec spec = new DatabaseSpec();
    spec.secretRef = new SecretRef();
    spec.secretRef.name = name;
    return spec;
  }

  @Test
  void cloudNativePgAppSecret() {
    DatabaseSpec spec = new DatabaseSpec();
    spec.cnpgCluster = "vectis-db";
    spec.sslMode = SslMode.REQUIRE;
    Map<String, String> data = Map.of(
        "username", "app", "user", "app", "password", PASSWORD, "dbname", "app",
        "host", "vectis-db-rw", "port", "5432",
        "uri", "postgresql://app:xxx@vectis-db-rw.shop:5432/app",
        "jdbc-uri", "jdbc:postgresql://vectis-db-rw.shop:5432/app?password=xxx&user=app");
    assertThat(SecretConnection.secretName(spec)).isEqualTo("vectis-db-app");
    ConnectionSettings settings = SecretConnection.from(spec, "vectis-db-app", data);
    assertThat(settings).isEqualTo(new ConnectionSettings("vectis-db-rw", 5432, "app", "app",
        PASSWORD, SslMode.REQUIRE));
    assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://vectis-db-rw:5432/app");
    assertThat(settings.jdbcProperties()).containsEntry("sslmode", "require")
        .containsEntry("password", PASSWORD);
  }

  @Test
  void crunchyUserSecret() {
    Map<String, String> data = Map.of("host", "hippo-primary.pgo.svc", "port", "5433",
        "dbname", "vectis", "user", "vectis", "password", PASSWORD,
        "uri", "postgresql://vectis:ignored@hippo-primary.pgo.svc:5433/vectis");
    ConnectionSettings settings = SecretConnection.from(secretRef("hippo-pguser-vectis"),
        "hippo-pguser-vectis", data);
    assertThat(settings.host()).isEqualTo("hippo-primary.pgo.svc");
    assertThat(settings.port()).isEqualTo(5433);
    assertThat(settings.password()).as("the separate key wins over the URI").isEqualTo(PASSWORD);
  }

  @Test
  void zalandoSecretWithHostAndDatabaseFromTheSpec() {
    DatabaseSpec spec = secretRef("vectis.acid-vectis.credentials.postgresql.acid.zalan.do");
    spec.host = "acid-vectis";
    spec.dbname = "vectis";
    ConnectionSettings settings = SecretConnection.from(spec, spec.secretRef.name,
        Map.of("username", "vectis_owner", "password", PASSWORD));
    assertThat(settings).isEqualTo(new ConnectionSettings("acid-vectis", 5432, "vectis",
        "vectis_owner", PASSWORD, SslMode.PREFER));
  }

  @Test
  void uriOnlyWithEncodedCredentials() {
    ConnectionSettings settings = SecretConnection.from(secretRef("db"), "db",
        Map.of("uri", "postgres://svc%40corp:p%40ss%3Aw%2Frd%2540%20x@db.example:6543/shop"));
    assertThat(settings).isEqualTo(new ConnectionSettings("db.example", 6543, "shop",
        "svc@corp", PASSWORD, SslMode.PREFER));
  }

  @Test
  void customKeyNames() {
    DatabaseSpec spec = secretRef("legacy");
    spec.secretRef.keys = new SecretKeys();
    spec.secretRef.keys.host = "DB_HOST";
    spec.secretRef.keys.dbname = "DB_NAME";
    spec.secretRef.keys.user = "DB_USER";
    spec.secretRef.keys.password = "DB_PASS";
    ConnectionSettings settings = SecretConnection.from(spec, "legacy", Map.of("DB_HOST", "h",
        "DB_NAME", "d", "DB_USER", "u", "DB_PASS", PASSWORD, "password", "not this one"));
    assertThat(settings.password()).isEqualTo(PASSWORD);
    assertThat(settings.user()).isEqualTo("u");
  }

  @Test
  void missingKeysNameTheSecretAndTheKey() {
    assertThatThrownBy(() -> SecretConnection.from(secretRef("db"), "db",
        Map.of("host", "h", "dbname", "d", "user", "u")))
        .isInstanceOf(DatabaseConfigException.class)
        .hasMessage("Secret db has no key \"password\"");
    assertThatThrownBy(() -> SecretConnection.from(secretRef("db"), "db",
        Map.of("host", "h", "dbname", "d", "password", PASSWORD)))
        .hasMessage("Secret db has no key \"user\" or \"username\"");
    assertThatThrownBy(() -> SecretConnection.from(secretRef("db"), "db",
        Map.of("user", "u", "password", PASSWORD)))
        .hasMessageStartingWith("Secret db has no key \"host\"");
    DatabaseSpec custom = secretRef("db");
    custom.secretRef.keys = new SecretKeys();
    custom.secretRef.keys.password = "pw";
    assertThatThrownBy(() -> SecretConnection.from(custom, "db",
        Map.of("host", "h", "dbname", "d", "user", "u", "password", PASSWORD)))
        .hasMessage("Secret db has no key \"pw\"");
    assertThatThrownBy(() -> SecretConnection.from(secretRef("db"), "db", Map.of("host", "h",
        "dbname", "d", "user", "u", "password", PASSWORD, "port", "54x32")))
        .hasMessage("Secret db key \"port\" is not a port number");
  }

  @Test
  void aBrokenUriNeverLeaksThePassword() {
    assertThatThrownBy(() -> SecretConnection.from(secretRef("db"), "db",
        Map.of("uri", "postgresql://u:" + PASSWORD + "@host/db")))
        .isInstanceOf(DatabaseConfigException.class)
        .hasMessage("Secret db key \"uri\" is not a valid URI")
        .message().doesNotContain("p@ss");
    assertThatThrownBy(() -> SecretConnection.from(secretRef("db"), "db",
        Map.of("uri", "mysql://u:secret@host/db")))
        .hasMessage("Secret db key \"uri\" is not a postgresql:// URI");
  }

  @Test
  void urlsForAlembicAndLibpq() {
    ConnectionSettings settings = new ConnectionSettings("db.shop", 5432, "vectis", "app",
        PASSWORD, SslMode.VERIFY_FULL);
    assertThat(settings.sqlAlchemyUrl("postgresql+psycopg2"))
        .isEqualTo("postgresql+psycopg2://app@db.shop:5432/vectis?sslmode=verify-full");
    String withPassword = settings.sqlAlchemyUrlWithPassword("postgresql");
    assertThat(withPassword).isEqualTo(
        "postgresql://app:p%40ss%3Aw%2Frd%2540%20x@db.shop:5432/vectis?sslmode=verify-full");
    assertThat(ConnectionSettings.escapeForAlembicConfig(withPassword))
        .isEqualTo("postgresql://app:p%%40ss%%3Aw%%2Frd%%2540%%20x@db.shop:5432/vectis"
            + "?sslmode=verify-full");
    assertThat(settings.libpqEnvironment()).containsEntry("PGHOST", "db.shop")
        .containsEntry("PGPORT", "5432").containsEntry("PGDATABASE", "vectis")
        .containsEntry("PGUSER", "app").containsEntry("PGSSLMODE", "verify-full")
        .doesNotContainKey("PGPASSWORD");
    assertThat(settings.toString()).doesNotContain(PASSWORD).contains("app@db.shop:5432/vectis");
  }
}
