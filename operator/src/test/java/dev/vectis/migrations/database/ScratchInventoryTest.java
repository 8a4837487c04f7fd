package dev.vectis.migrations.database;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.database.ScratchInventory.DatabaseObject;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a rehearsal drops from a scratch database afterwards: only what appeared since. */
class ScratchInventoryTest {
  private static final DatabaseObject KEPT_FUNCTION = new DatabaseObject("FUNCTION", "public",
      "public.keep_me()");

  private static ScratchInventory inventory(Set<String> schemas, Set<String> extensions,
      DatabaseObject... objects) {
    return new ScratchInventory(schemas, extensions, new LinkedHashSet<>(List.of(objects)));
  }

  @Test
  void onlyWhatAppearedIsDroppedDependentsFirst() {
    ScratchInventory before = inventory(Set.of("public"), Set.of("plpgsql"), KEPT_FUNCTION);
    ScratchInventory after = inventory(Set.of("public", "billing"), Set.of("plpgsql",
        "pgcrypto"), KEPT_FUNCTION,
        new DatabaseObject("TYPE", "public", "public.order_status"),
        new DatabaseObject("TABLE", "public", "public.orders"),
        new DatabaseObject("VIEW", "public", "public.open_orders"),
        new DatabaseObject("TABLE", "billing", "billing.invoices"),
        new DatabaseObject("FUNCTION", "public", "public.touch(integer)"),
        new DatabaseObject("SEQUENCE", "public", "public.orders_id_seq"));
    assertThat(before.dropStatementsFor(after)).containsExactly(
        "DROP SCHEMA IF EXISTS \"billing\" CASCADE",
        "DROP EXTENSION IF EXISTS \"pgcrypto\" CASCADE",
        "DROP VIEW IF EXISTS public.open_orders CASCADE",
        "DROP TABLE IF EXISTS public.orders CASCADE",
        "DROP SEQUENCE IF EXISTS public.orders_id_seq CASCADE",
        "DROP FUNCTION IF EXISTS public.touch(integer) CASCADE",
        "DROP TYPE IF EXISTS public.order_status CASCADE");
  }

  @Test
  void nothingNewNothingDropped() {
    ScratchInventory before = inventory(Set.of("public"), Set.of(), KEPT_FUNCTION);
    assertThat(before.dropStatementsFor(before)).isEmpty();
  }

  @Test
  void contentsCountTablesViewsSequencesAndTypesButNotRoutines() {
    assertThat(inventory(Set.of("public"), Set.of(), KEPT_FUNCTION).contents()).isEmpty();
    assertThat(inventory(Set.of("public"), Set.of(),
        new DatabaseObject("TABLE", "public", "public.a"),
        new DatabaseObject("TABLE", "public", "public.b"),
        new DatabaseObject("SEQUENCE", "public", "public.s")).contents())
        .isEqualTo("1 sequence, 2 tables");
  }

  @Test
  void quotingDoublesQuotes() {
    assertThat(ScratchInventory.quote("we\"ird")).isEqualTo("\"we\"\"ird\"");
  }
}
