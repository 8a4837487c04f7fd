package dev.vectis.migrations.database;

import dev.vectis.migrations.api.ApiPatterns;
import java.util.regex.Pattern;

/**
 * A schema or table name from a SchemaMigration, validated before any SQL is sent and always
 * quoted: nothing from a CR is concatenated into SQL unquoted.
 */
public record SqlIdentifier(String name) {
  private static final Pattern VALID = Pattern.compile(ApiPatterns.SQL_IDENTIFIER);

  public SqlIdentifier {
    if (name == null || !VALID.matcher(name).matches()) {
      throw new IllegalArgumentException("not a valid SQL identifier (letters, digits and _, "
          + "at most 63, not starting with a digit): " + describe(name));
    }
  }

  /** Validates a field's value, naming the field in the error. */
  public static SqlIdentifier of(String field, String value) {
    try {
      return new SqlIdentifier(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
    }
  }

  /** The name in double quotes; safe because the pattern admits no quote. */
  public String quoted() {
    return "\"" + name + "\"";
  }

  private static String describe(String value) {
    if (value == null) {
      return "nothing";
    }
    String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
    return "\"" + shown.replace("\n", "\\n") + "\"";
  }
}
