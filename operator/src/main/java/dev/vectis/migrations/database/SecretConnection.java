package dev.vectis.migrations.database;

import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SecretKeys;
import java.util.Map;

/**
 * Connection settings from a Secret's data and the SchemaMigration's {@code spec.database}.
 * Understands the CloudNativePG {@code <cluster>-app} layout ({@code uri}, {@code jdbc-uri},
 * {@code host}, {@code port}, {@code dbname}, {@code user}/{@code username}, {@code password}),
 * Crunchy PGO's ({@code host}, {@code port}, {@code dbname}, {@code user}, {@code password},
 * {@code uri}), Zalando's ({@code username}/{@code password}, host and database from the spec)
 * and custom key names. Separate keys win over the URI; the spec fills what the Secret lacks.
 */
public final class SecretConnection {
  public static final int DEFAULT_PORT = 5432;

  private SecretConnection() {}

  /** The Secret a spec names: {@code secretRef.name}, or {@code <cnpgCluster>-app}. */
  public static String secretName(DatabaseSpec spec) {
    if (spec.secretRef != null && spec.secretRef.name != null) {
      return spec.secretRef.name;
    }
    if (spec.cnpgCluster != null) {
      return spec.cnpgCluster + "-app";
    }
    throw new DatabaseConfigException(
        "spec.database: exactly one of secretRef and cnpgCluster must be set");
  }

  /**
   * The settings from the Secret's decoded data.
   *
   * @throws DatabaseConfigException naming the Secret and the key that is missing or wrong
   */
  public static ConnectionSettings from(DatabaseSpec spec, String secretName,
      Map<String, String> data) {
    SecretKeys keys = spec.secretRef != null && spec.secretRef.keys != null ? spec.secretRef.keys
        : new SecretKeys();
    Parts fromUri = new Parts();
    String uriKey = keys.uri != null ? keys.uri : "uri";
    String uri = data.get(uriKey);
    if (uri == null && keys.uri == null && data.get("jdbc-uri") != null) {
      uriKey = "jdbc-uri";
      uri = data.get(uriKey);
    } else if (uri == null && keys.uri != null) {
      throw missing(secretName, keys.uri);
    }
    if (uri != null) {
      fromUri = parseUri(uri, secretName, uriKey);
    }

    String host = first(value(data, keys.host, "host"), fromUri.host, spec.host);
    String portText = first(value(data, keys.port, "port"), fromUri.port,
        spec.port == null ? null : spec.port.toString());
    String database = first(value(data, keys.dbname, "dbname"), fromUri.database, spec.dbname);
    String user = first(keys.user != null ? data.get(keys.user) : first(data.get("user"),
        data.get("username")), fromUri.user, null);
    String password = first(value(data, keys.password, "password"), fromUri.password, null);

    if (keys.host != null && data.get(keys.host) == null) {
      throw missing(secretName, keys.host);
    }
    if (host == null) {
      throw new DatabaseConfigException("Secret " + secretName + " has no key \"host\" (nor a "
          + "URI) and spec.database.host is not set");
    }
    if (database == null) {
      throw new DatabaseConfigException("Secret " + secretName + " has no key \""
          + name(keys.dbname, "dbname") + "\" (nor a URI with a database) and "
          + "spec.database.dbname is not set");
    }
    if (user == null) {
      throw new DatabaseConfigException("Secret " + secretName + " has no key \""
          + (keys.user != null ? keys.user : "user") + "\""
          + (keys.user != null ? "" : " or \"username\""));
    }
    if (password == null) {
      throw missing(secretName, name(keys.password, "password"));
    }
    int port;
    try {
      port = portText == null ? DEFAULT_PORT : Integer.parseInt(portText.strip());
    } catch (NumberFormatException e) {
      throw new DatabaseConfigException("Secret " + secretName + " key \""
          + name(keys.port, "port") + "\" is not a port number");
    }
    if (port < 1 || port > 65535) {
      throw new DatabaseConfigException("Secret " + secretName + " key \""
          + name(keys.port, "port") + "\" is not a port number");
    }
    return new ConnectionSettings(host, port, database, user, password, spec.sslMode);
  }

  /**
   * The key holding the password, for a Job's {@code secretKeyRef}: Jobs never get the
   * password any other way.
   */
  public static String passwordKey(DatabaseSpec spec, String secretName,
      Map<String, String> data) {
    String key = spec.secretRef != null && spec.secretRef.keys != null
        && spec.secretRef.keys.password != null ? spec.secretRef.keys.password : "password";
    if (data.get(key) == null) {
      throw new DatabaseConfigException("Secret " + secretName + " has no key \"" + key
          + "\": Jobs read the password only from such a key (set "
          + "spec.database.secretRef.keys.password if it has another name)");
    }
    return key;
  }

  private static String value(Map<String, String> data, String customKey, String defaultKey) {
    return data.get(customKey != null ? customKey : defaultKey);
  }

  private static String name(String customKey, String defaultKey) {
    return customKey != null ? customKey : defaultKey;
  }

  private static DatabaseConfigException missing(String secret, String key) {
    return new DatabaseConfigException("Secret " + secret + " has no key \"" + key + "\"");
  }

  private static String first(String... values) {
    for (String value : values) {
      if (value != null && !value.isEmpty()) {
        return value;
      }
    }
    return null;
  }

  private static Parts parseUri(String text, String secret, String key) {
    try {
      PostgresUri uri = PostgresUri.parse(text);
      Parts parts = new Parts();
      parts.host = uri.host();
      parts.port = uri.port() == null ? null : uri.port().toString();
      parts.database = uri.database();
      parts.user = uri.user();
      parts.password = uri.password();
      return parts;
    } catch (IllegalArgumentException e) {
      throw new DatabaseConfigException("Secret " + secret + " key \"" + key + "\" "
          + e.getMessage());
    }
  }

  private static final class Parts {
    String host;
    String port;
    String database;
    String user;
    String password;
  }
}
