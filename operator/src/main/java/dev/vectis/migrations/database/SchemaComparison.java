package dev.vectis.migrations.database;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * How one {@link SchemaSnapshot} differs from the one expected, as short sentences a person
 * reads in a finding: "table orders: column currency still present", "index ix_foo missing",
 * "constraint uq_x on orders missing". Pure.
 */
public final class SchemaComparison {
  /** At most this many differences are spelled out; the rest are counted. */
  static final int MAX_SHOWN = 8;
  /** A definition longer than this is cut in a message. */
  static final int MAX_DEFINITION = 120;

  private SchemaComparison() {}

  /**
   * The differences of {@code actual} from {@code expected}, tables first, then indexes,
   * constraints, sequences, enum types and views, each in name order.
   *
   * @param extra how an object that should not be there is described: "still present" after
   *     a downgrade, "unexpected" after an upgrade
   */
  public static List<String> differences(SchemaSnapshot expected, SchemaSnapshot actual,
      String extra) {
    List<String> found = new ArrayList<>();
    for (String table : union(expected.tables(), actual.tables())) {
      SortedMap<String, SchemaSnapshot.Column> want = expected.tables().get(table);
      SortedMap<String, SchemaSnapshot.Column> have = actual.tables().get(table);
      if (want == null) {
        found.add("table " + table + " " + extra);
      } else if (have == null) {
        found.add("table " + table + " missing");
      } else {
        for (String column : union(want, have)) {
          SchemaSnapshot.Column wanted = want.get(column);
          SchemaSnapshot.Column got = have.get(column);
          String what = "table " + table + ": column " + column;
          if (wanted == null) {
            found.add(what + " " + extra);
          } else if (got == null) {
            found.add(what + " missing");
          } else if (!wanted.equals(got)) {
            found.add(what + " is " + got.describe() + ", expected " + wanted.describe());
          }
        }
      }
    }
    compare(found, "index", expected.indexes(), actual.indexes(), extra,
        (want, have) -> "is " + cut(have) + ", expected " + cut(want));
    compare(found, "constraint", expected.constraints(), actual.constraints(), extra,
        (want, have) -> "is " + cut(have) + ", expected " + cut(want));
    compare(found, "sequence", expected.sequences(), actual.sequences(), extra,
        (want, have) -> "is " + have + ", expected " + want);
    compare(found, "enum type", expected.enums(), actual.enums(), extra,
        (want, have) -> "has labels " + String.join(", ", have) + ", expected "
            + String.join(", ", want));
    compare(found, "view", expected.views(), actual.views(), extra,
        (want, have) -> "is defined as " + cut(have) + ", expected " + cut(want));
    compare(found, "schema", expected.schemas(), actual.schemas(), extra,
        (want, have) -> "is owned by " + have + ", expected " + want);
    compare(found, "extension", expected.extensions(), actual.extensions(), extra,
        (want, have) -> "is at version " + have + ", expected " + want);
    compare(found, "function", expected.functions(), actual.functions(), extra,
        (want, have) -> "has another definition");
    return found;
  }

  /**
   * The differences as one bounded line: the first {@link #MAX_SHOWN} joined by "; ", then
   * how many more there are.
   */
  public static String summary(List<String> differences) {
    String shown = String.join("; ", differences.subList(0,
        Math.min(MAX_SHOWN, differences.size())));
    int more = differences.size() - MAX_SHOWN;
    return more > 0 ? shown + "; and " + more + " more difference" + (more == 1 ? "" : "s")
        : shown;
  }

  private static <T> void compare(List<String> found, String kind, Map<String, T> expected,
      Map<String, T> actual, String extra, BiFunction<T, T, String> changed) {
    for (String name : union(expected, actual)) {
      T want = expected.get(name);
      T have = actual.get(name);
      if (want == null) {
        found.add(kind + " " + name + " " + extra);
      } else if (have == null) {
        found.add(kind + " " + name + " missing");
      } else if (!Objects.equals(want, have)) {
        found.add(kind + " " + name + " " + changed.apply(want, have));
      }
    }
  }

  private static TreeSet<String> union(Map<String, ?> first, Map<String, ?> second) {
    TreeSet<String> names = new TreeSet<>(first.keySet());
    names.addAll(second.keySet());
    return names;
  }

  private static String cut(String definition) {
    String oneLine = definition.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= MAX_DEFINITION ? oneLine
        : oneLine.substring(0, MAX_DEFINITION - 1) + "…";
  }
}
