package dev.vectis.migrations.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Small Alembic projects written for the rehearsal tests: {@code db/alembic.ini}, an env.py
 * that reads DATABASE_URL, and revisions whose upgrade() and downgrade() bodies a test gives.
 */
final class RehearseProjects {
  /** Where revision files are, relative to the project (findings name files so). */
  static final String VERSIONS = "db/alembic/versions/";

  private static final String ENV_PY = """
      import os
      from alembic import context
      from sqlalchemy import engine_from_config, pool

      config = context.config
      url = os.environ["DATABASE_URL"]
      config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))

      if context.is_offline_mode():
          context.configure(url=url, literal_binds=True)
          with context.begin_transaction():
              context.run_migrations()
      else:
          engine = engine_from_config(config.get_section(config.config_ini_section),
                                      prefix="sqlalchemy.", poolclass=pool.NullPool)
          with engine.connect() as connection:
              context.configure(connection=connection)
              with context.begin_transaction():
                  context.run_migrations()
      """;

  /** The first revision of most projects: orders(id, note) with an index and a unique key. */
  static final Revision ORDERS = new Revision("a1", null, """
          op.create_table("orders",
              sa.Column("id", sa.BigInteger(), primary_key=True),
              sa.Column("note", sa.Text()),
              sa.UniqueConstraint("note", name="uq_orders_note"))
          op.create_index("ix_orders_id_note", "orders", ["id", "note"])
      """, """
          op.drop_index("ix_orders_id_note", table_name="orders")
          op.drop_table("orders")
      """);

  private RehearseProjects() {}

  /**
   * One revision.
   *
   * @param down its down_revision: null for a base, "x,y" for a merge
   * @param upgrade the body of upgrade(), indented by four spaces
   * @param downgrade the body of downgrade(), indented by four spaces
   */
  record Revision(String id, String down, String upgrade, String downgrade, String labels) {
    Revision(String id, String down, String upgrade, String downgrade) {
      this(id, down, upgrade, downgrade, null);
    }

    String fileName() {
      return id + "_rev.py";
    }

    String source() {
      String downRevision = down == null ? "None" : down.contains(",")
          ? "(\"" + String.join("\", \"", down.split(",")) + "\")" : "\"" + down + "\"";
      return "\"\"\"revision " + id + "\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n"
          + "\nrevision = \"" + id + "\"\ndown_revision = " + downRevision
          + "\nbranch_labels = " + (labels == null ? "None" : "(\"" + labels + "\",)")
          + "\ndepends_on = None\n\n\ndef upgrade():\n" + upgrade + "\n\ndef downgrade():\n"
          + downgrade;
    }

    /** The 1-based line of the first line of the file holding {@code text}. */
    int lineOf(String text) {
      List<String> lines = source().lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).contains(text)) {
          return i + 1;
        }
      }
      throw new IllegalArgumentException(text + " is not in " + id);
    }
  }

  /** Writes the project into {@code directory} and returns it. */
  static Path write(Path directory, Revision... revisions) throws IOException {
    Path db = directory.resolve("db");
    Files.createDirectories(db.resolve("alembic/versions"));
    Files.writeString(db.resolve("alembic.ini"),
        "[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://localhost/unused\n");
    Files.writeString(db.resolve("alembic/env.py"), ENV_PY);
    for (Revision revision : revisions) {
      Files.writeString(db.resolve("alembic/versions").resolve(revision.fileName()),
          revision.source());
    }
    return directory;
  }
}
