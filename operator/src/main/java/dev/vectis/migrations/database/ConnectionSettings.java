package dev.vectis.migrations.database;

import dev.vectis.migrations.api.SslMode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Where and as whom to connect, in the three forms our consumers need: JDBC for the
 * operator, a SQLAlchemy URL for Alembic's env.py, libpq variables for pg_dump. The password
 * never appears in {@link #toString()}.
 */
public record ConnectionSettings(String host, int port, String database, String user,
    String password, SslMode sslMode) {
  public static final String APPLICATION_NAME = "schema-migration-operator";

  public ConnectionSettings {
    sslMode = sslMode == null ? SslMode.PREFER : sslMode;
  }

  /**
   * Settings from a {@code postgresql://} URL (local mode's {@code --database-url}); the
   * database defaults to the user's name and the port to 5432, as with libpq.
   *
   * @throws IllegalArgumentException naming what is missing, never the URL itself
   */
  public static ConnectionSettings fromUrl(String url) {
    PostgresUri uri = PostgresUri.parse(url);
    if (uri.host() == null) {
      throw new IllegalArgumentException("has no host");
    }
    if (uri.user() == null) {
      throw new IllegalArgumentException("has no user");
    }
    SslMode sslMode = SslMode.PREFER;
    if (uri.sslMode() != null) {
      sslMode = java.util.Arrays.stream(SslMode.values())
          .filter(mode -> mode.libpqName().equals(uri.sslMode())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("has an unknown sslmode"));
    }
    if (uri.port() != null && (uri.port() < 1 || uri.port() > 65535)) {
      throw new IllegalArgumentException("has port " + uri.port() + ", which is not a TCP port "
          + "(1-65535)");
    }
    return new ConnectionSettings(uri.host(), uri.port() == null ? 5432 : uri.port(),
        uri.database() == null ? uri.user() : uri.database(), uri.user(), uri.password(),
        sslMode);
  }

  /** The JDBC URL; credentials go in {@link #jdbcProperties()}. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + hostForUrl() + ":" + port + "/" + encode(database);
  }

  public Properties jdbcProperties() {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    if (password != null) {
      properties.setProperty("password", password);
    }
    properties.setProperty("sslmode", sslMode.libpqName());
    properties.setProperty("ApplicationName", APPLICATION_NAME);
    properties.setProperty("connectTimeout", "10");
    return properties;
  }

  /**
   * The SQLAlchemy URL without the password: libpq (psycopg2, psycopg) then reads it from
   * {@code PGPASSWORD}, which a pod gets through a {@code secretKeyRef}. Nothing secret in it.
   */
  public String sqlAlchemyUrl(String scheme) {
    return scheme + "://" + encode(user) + "@" + hostForUrl() + ":" + port + "/"
        + encode(database) + "?sslmode=" + sslMode.libpqName();
  }

  /** The SQLAlchemy URL with the password, URL-encoded, for env.py files that need it. */
  public String sqlAlchemyUrlWithPassword(String scheme) {
    return scheme + "://" + encode(user) + ":" + encode(password) + "@" + hostForUrl() + ":"
        + port + "/" + encode(database) + "?sslmode=" + sslMode.libpqName();
  }

  /**
   * The same URL for a value that passes through Alembic's configparser
   * ({@code config.set_main_option}), where {@code %} must be written {@code %%}.
   */
  public static String escapeForAlembicConfig(String url) {
    return url.replace("%", "%%");
  }

  /** libpq's variables, without the password (give {@code PGPASSWORD} separately). */
  public Map<String, String> libpqEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PGHOST", host);
    env.put("PGPORT", Integer.toString(port));
    env.put("PGDATABASE", database);
    env.put("PGUSER", user);
    env.put("PGSSLMODE", sslMode.libpqName());
    env.put("PGAPPNAME", APPLICATION_NAME);
    return env;
  }

  /** A masker hiding this password wherever it appears. */
  public SecretMasker masker() {
    return SecretMasker.hiding(password == null ? java.util.List.of()
        : java.util.List.of(password));
  }

  private String hostForUrl() {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public String toString() {
    return "ConnectionSettings[" + user + "@" + host + ":" + port + "/" + database + ", sslmode="
        + sslMode.libpqName() + "]";
  }
}
