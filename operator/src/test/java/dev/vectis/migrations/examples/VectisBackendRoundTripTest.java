package dev.vectis.migrations.examples;

import static dev.vectis.migrations.testing.VectisProject.HEAD;
import static dev.vectis.migrations.testing.VectisProject.MERGE;
import static dev.vectis.migrations.testing.VectisProject.alembic;
import static dev.vectis.migrations.testing.VectisProject.seed;
import static dev.vectis.migrations.testing.VectisProject.versionRows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.testing.PostgresExtension;
import dev.vectis.migrations.testing.TestDatabase;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sample project run for real: Debian's Alembic against the embedded PostgreSQL, each
 * step checked over JDBC, in the order the Vectis guide tells its developers to test.
 */
@ExtendWith(PostgresExtension.class)
class VectisBackendRoundTripTest {
  @Test
  void upgradeDowngradeAndSeedRoundTrip(TestDatabase db) throws SQLException {
    alembic(db, "upgrade", "head");
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(db.tableExists("exchange_rates")).isTrue();
    assertThat(db.tableExists("loyalty_points")).isTrue();
    assertThat(db.tableExists("audit_log")).isTrue();
    assertThat(db.column("SELECT column_default FROM information_schema.columns "
        + "WHERE table_name = 'orders' AND column_name = 'currency'").get(0)).contains("USD");

    alembic(db, "downgrade", "-1");
    assertThat(versionRows(db)).containsExactly(MERGE);
    assertThat(db.tableExists("exchange_rates")).isFalse();
    assertThat(db.column("SELECT column_name FROM information_schema.columns "
        + "WHERE table_name = 'orders'")).doesNotContain("currency");

    alembic(db, "upgrade", "head");
    assertThat(versionRows(db)).containsExactly(HEAD);

    alembic(db, "downgrade", "base");
    assertThat(versionRows(db)).isEmpty();
    assertThat(db.column("SELECT table_name FROM information_schema.tables "
        + "WHERE table_schema = 'public'")).containsExactly("alembic_version");

    alembic(db, "upgrade", "heads");
    assertThat(versionRows(db)).containsExactly(HEAD);

    String firstSeed = seed(db);
    assertThat(firstSeed).contains("seed: 19 rows inserted");
    assertThat(db.count("SELECT count(*) FROM channels WHERE code = 'default'")).isEqualTo(1);
    assertThat(db.count("SELECT count(*) FROM roles")).isEqualTo(3);
    assertThat(db.count("SELECT count(*) FROM permissions")).isEqualTo(5);
    assertThat(db.count("SELECT count(*) FROM users u JOIN roles r ON r.id = u.role_id "
        + "WHERE r.name = 'admin'")).isEqualTo(1);

    assertThat(seed(db)).contains("seed: 0 rows inserted");
    assertThat(db.count("SELECT count(*) FROM role_permissions")).isEqualTo(9);
  }

  @Test
  void oneBranchCanBeUndoneAndRedone(TestDatabase db) throws SQLException {
    alembic(db, "upgrade", "a3e2f1b8c9d4");
    alembic(db, "upgrade", "b7c4e9a1d2f3");
    assertThat(versionRows(db)).containsExactlyInAnyOrder("a3e2f1b8c9d4", "b7c4e9a1d2f3");
    assertThat(db.tableExists("audit_log")).isTrue();

    alembic(db, "downgrade", "audit@-1");
    assertThat(versionRows(db)).containsExactly("a3e2f1b8c9d4");
    assertThat(db.tableExists("audit_log")).isFalse();
    assertThat(db.tableExists("loyalty_points")).isTrue();

    alembic(db, "upgrade", "audit@head");
    assertThat(versionRows(db)).containsExactly(HEAD);
    assertThat(db.tableExists("audit_log")).isTrue();
  }
}
