package dev.vectis.migrations.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The round-trip comparison: what differs, said as a person reads it, and bounded. */
class SchemaComparisonTest {
  private static SchemaSnapshot.Column text() {
    return new SchemaSnapshot.Column("text", false, null);
  }

  /** orders(id bigint, note text), ix_orders_note, pk, enum status(new, paid), a view. */
  private static Builder orders() {
    return new Builder()
        .table("orders", "id", new SchemaSnapshot.Column("bigint", true,
            "nextval('orders_id_seq'::regclass)"))
        .table("orders", "note", text())
        .index("ix_orders_note", "CREATE INDEX ix_orders_note ON public.orders USING btree "
            + "(note)")
        .constraint("orders_pkey on orders", "PRIMARY KEY (id)")
        .sequence("orders_id_seq", "bigint start 1 increment 1")
        .enumType("status", "new", "paid")
        .view("open_orders", "SELECT orders.id FROM orders;");
  }

  @Test
  void equalSnapshotsHaveNoDifference() {
    assertThat(SchemaComparison.differences(orders().build(), orders().build(), "still present"))
        .isEmpty();
  }

  @Test
  void aColumnAnIndexAndAConstraintLeftBehindAreNamed() {
    SchemaSnapshot afterDowngrade = orders()
        .table("orders", "currency", new SchemaSnapshot.Column("character varying(3)", true,
            "'USD'::character varying"))
        .index("ix_foo", "CREATE INDEX ix_foo ON public.orders USING btree (currency)")
        .build();
    SchemaSnapshot expected = orders().constraint("uq_x on orders", "UNIQUE (note)").build();
    assertThat(SchemaComparison.differences(expected, afterDowngrade, "still present"))
        .containsExactly("table orders: column currency still present",
            "index ix_foo still present", "constraint uq_x on orders missing");
  }

  @Test
  void changedColumnsTablesEnumsViewsAndSequencesAreDescribed() {
    SchemaSnapshot expected = orders().table("payments", "id", text()).build();
    SchemaSnapshot actual = orders()
        .table("orders", "note", new SchemaSnapshot.Column("character varying(20)", true,
            "''::character varying"))
        .enumType("status", "new", "paid", "refunded")
        .view("open_orders", "SELECT orders.id, orders.note FROM orders;")
        .sequence("orders_id_seq", "integer start 1 increment 1")
        .table("carts", "id", text())
        .build();
    assertThat(SchemaComparison.differences(expected, actual, "unexpected")).containsExactly(
        "table carts unexpected",
        "table orders: column note is character varying(20) NOT NULL DEFAULT "
            + "''::character varying, expected text",
        "table payments missing",
        "sequence orders_id_seq is integer start 1 increment 1, expected bigint start 1 "
            + "increment 1",
        "enum type status has labels new, paid, refunded, expected new, paid",
        "view open_orders is defined as SELECT orders.id, orders.note FROM orders;, expected "
            + "SELECT orders.id FROM orders;");
  }

  @Test
  void theSummaryIsBoundedAndCountsTheRest() {
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      many.add("table t" + i + " still present");
    }
    String summary = SchemaComparison.summary(many);
    assertThat(summary).startsWith("table t0 still present; table t1 still present")
        .endsWith("; and " + (30 - SchemaComparison.MAX_SHOWN) + " more differences");
    assertThat(summary.split("; ")).hasSize(SchemaComparison.MAX_SHOWN + 1);
    assertThat(SchemaComparison.summary(List.of("index a missing"))).isEqualTo(
        "index a missing");
  }

  @Test
  void longDefinitionsAreCut() {
    String longDefinition = "CREATE INDEX ix_wide ON public.orders USING btree ("
        + "c".repeat(300) + ")";
    SchemaSnapshot expected = orders().index("ix_wide", longDefinition).build();
    SchemaSnapshot actual = orders().index("ix_wide", longDefinition.replace("btree",
        "hash")).build();
    String difference = SchemaComparison.differences(expected, actual, "unexpected").get(0);
    assertThat(difference).startsWith("index ix_wide is CREATE INDEX ix_wide ON public.orders "
        + "USING hash").contains("…, expected CREATE INDEX").endsWith("…");
    assertThat(difference.length()).isLessThan(2 * SchemaComparison.MAX_DEFINITION + 60);
  }

  /** Builds a snapshot; a later value for the same name replaces the earlier one. */
  private static final class Builder {
    private final SortedMap<String, SortedMap<String, SchemaSnapshot.Column>> tables =
        new TreeMap<>();
    private final SortedMap<String, String> indexes = new TreeMap<>();
    private final SortedMap<String, String> constraints = new TreeMap<>();
    private final SortedMap<String, String> sequences = new TreeMap<>();
    private final SortedMap<String, List<String>> enums = new TreeMap<>();
    private final SortedMap<String, String> views = new TreeMap<>();

    Builder table(String table, String column, SchemaSnapshot.Column definition) {
      tables.computeIfAbsent(table, name -> new TreeMap<>()).put(column, definition);
      return this;
    }

    Builder index(String name, String definition) {
      indexes.put(name, definition);
      return this;
    }

    Builder constraint(String name, String definition) {
      constraints.put(name, definition);
      return this;
    }

    Builder sequence(String name, String definition) {
      sequences.put(name, definition);
      return this;
    }

    Builder enumType(String name, String... labels) {
      enums.put(name, List.of(labels));
      return this;
    }

    Builder view(String name, String definition) {
      views.put(name, definition);
      return this;
    }

    SchemaSnapshot build() {
      return new SchemaSnapshot(tables, indexes, constraints, sequences, enums, views,
          new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
    }
  }
}
