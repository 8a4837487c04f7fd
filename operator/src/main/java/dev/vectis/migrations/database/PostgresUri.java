package dev.vectis.migrations.database;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A {@code postgresql://user:password@host:port/database?sslmode=...} URI taken apart; any
 * part may be missing. Errors never repeat the URI, which may hold a password.
 */
public record PostgresUri(String host, Integer port, String database, String user,
    String password, String sslMode) {

  /** @throws IllegalArgumentException with a message that names no part of the URI */
  public static PostgresUri parse(String text) {
    URI uri;
    try {
      uri = new URI(text.strip().replaceFirst("^jdbc:", ""));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("is not a valid URI");
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equals("postgresql") || scheme.equals("postgres")
        || scheme.startsWith("postgresql+"))) {
      throw new IllegalArgumentException("is not a postgresql:// URI");
    }
    String path = uri.getRawPath();
    String user = null;
    String password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
    }
    String sslMode = null;
    if (uri.getRawQuery() != null) {
      for (String parameter : uri.getRawQuery().split("&")) {
        if (parameter.startsWith("sslmode=")) {
          sslMode = decode(parameter.substring("sslmode=".length()));
        }
      }
    }
    return new PostgresUri(uri.getHost(), uri.getPort() < 0 ? null : uri.getPort(),
        path == null || path.length() <= 1 ? null : decode(path.substring(1)), user, password,
        sslMode);
  }

  private static String decode(String value) {
    return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
