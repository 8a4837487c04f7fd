package dev.vectis.migrations.policy;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Whether changing a column from one PostgreSQL type to another can lose data. */
final class TypeChange {
  /** NAME, NAME(p), NAME(p, s), NAME(p) WITH TIME ZONE. */
  private static final Pattern SIZED = Pattern.compile(
      "([A-Z][A-Z0-9 ]*)(?:\\((\\d+)(?:,\\s*(\\d+))?\\))?(\\s+[A-Z][A-Z ]*)?");
  /** A collation changes how values sort, not the values. */
  private static final Pattern COLLATION = Pattern.compile("\\s+COLLATE\\s+\\S+$",
      Pattern.CASE_INSENSITIVE);
  private static final List<String> INTEGERS = List.of("SMALLINT", "INTEGER", "BIGINT");
  /** Decimal digits each integer type can hold. */
  private static final int[] INTEGER_DIGITS = {5, 10, 19};

  private TypeChange() {}

  /** Why the change can lose data, or null when every value survives it. */
  static String loss(String from, String to) {
    if (to == null) {
      return null;
    }
    if (from == null) {
      return "changes the type to " + to + " from an undeclared type (give existing_type= so "
          + "the change can be judged)";
    }
    from = COLLATION.matcher(from.strip()).replaceFirst("");
    to = COLLATION.matcher(to.strip()).replaceFirst("");
    boolean sourceArray = from.endsWith("[]");
    if (sourceArray != to.endsWith("[]")) {
      return lossy(from, to);
    }
    if (sourceArray) {
      String elements = loss(from.substring(0, from.length() - 2),
          to.substring(0, to.length() - 2));
      return elements == null ? null : lossy(from, to);
    }
    Sized source = Sized.of(from);
    Sized target = Sized.of(to);
    if (source == null || target == null || source.equals(target)) {
      return source != null && source.equals(target) ? null : lossy(from, to);
    }
    int sourceInteger = INTEGERS.indexOf(source.name);
    int targetInteger = INTEGERS.indexOf(target.name);
    if (sourceInteger >= 0 && targetInteger >= 0) {
      return targetInteger >= sourceInteger ? null : lossy(from, to);
    }
    if (sourceInteger >= 0 && target.name.equals("NUMERIC")) {
      return target.precision == null
          || target.precision - zero(target.scale) >= INTEGER_DIGITS[sourceInteger]
          ? null : lossy(from, to);
    }
    if (isText(source.name) && isText(target.name)) {
      if (target.name.equals("TEXT") || target.precision == null) {
        return null;
      }
      return source.precision != null && !source.name.equals("TEXT")
          && target.precision >= source.precision ? null : lossy(from, to);
    }
    if (source.name.equals("NUMERIC") && target.name.equals("NUMERIC")) {
      if (target.precision == null) {
        return null;
      }
      return source.precision != null && zero(target.scale) >= zero(source.scale)
          && target.precision - zero(target.scale) >= source.precision - zero(source.scale)
          ? null : lossy(from, to);
    }
    if (source.name.equals("REAL") && target.name.equals("DOUBLE PRECISION")) {
      return null;
    }
    if (source.name.equals("ENUM") && (target.name.equals("TEXT")
        || target.name.equals("VARCHAR") && target.precision == null)) {
      return null;
    }
    if (source.name.equals(target.name) && source.name.matches("(TIMESTAMP|TIME|INTERVAL).*")
        && (target.precision == null
            || source.precision != null && target.precision >= source.precision)) {
      return null; // TIMESTAMP(3) -> TIMESTAMP(6): finer fractions of a second
    }
    return lossy(from, to);
  }

  private static String lossy(String from, String to) {
    return "changes the type from " + from + " to " + to + ", which can lose or alter data";
  }

  private static boolean isText(String name) {
    return name.equals("VARCHAR") || name.equals("CHAR") || name.equals("TEXT");
  }

  private static int zero(Integer value) {
    return value == null ? 0 : value;
  }

  private record Sized(String name, Integer precision, Integer scale) {
    static Sized of(String sql) {
      Matcher matcher = SIZED.matcher(sql.strip().toUpperCase(Locale.ROOT));
      if (!matcher.matches()) {
        return null;
      }
      String name = (matcher.group(1).strip() + " "
          + (matcher.group(4) == null ? "" : matcher.group(4).strip())).strip();
      name = switch (name) {
        case "CHARACTER VARYING" -> "VARCHAR";
        case "CHARACTER" -> "CHAR";
        case "INT", "INT4" -> "INTEGER";
        case "INT8" -> "BIGINT";
        case "INT2" -> "SMALLINT";
        case "DECIMAL" -> "NUMERIC";
        case "FLOAT8" -> "DOUBLE PRECISION";
        case "FLOAT4" -> "REAL";
        default -> name;
      };
      return new Sized(name, matcher.group(2) == null ? null : Integer.valueOf(matcher.group(2)),
          matcher.group(3) == null ? null : Integer.valueOf(matcher.group(3)));
    }
  }
}
