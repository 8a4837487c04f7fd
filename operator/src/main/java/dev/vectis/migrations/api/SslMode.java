package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonValue;

/** libpq's sslmode values, spelled as libpq spells them. */
public enum SslMode {
  DISABLE("disable"),
  ALLOW("allow"),
  PREFER("prefer"),
  REQUIRE("require"),
  VERIFY_CA("verify-ca"),
  VERIFY_FULL("verify-full");

  private final String libpqName;

  SslMode(String libpqName) {
    this.libpqName = libpqName;
  }

  @JsonValue
  public String libpqName() {
    return libpqName;
  }
}
