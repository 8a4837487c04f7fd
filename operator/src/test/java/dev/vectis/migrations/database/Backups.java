package dev.vectis.migrations.database;

import dev.vectis.migrations.local.LocalBackup;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Backups of test databases the way the operator and local mode take them. */
public final class Backups {
  public static final Duration TIMEOUT = Duration.ofMinutes(5);

  private Backups() {}

  /** The test database's dump directory under {@code root}. */
  public static Path directory(Path root, TestDatabase db) {
    return root.resolve(DatabaseIdentity.of(db.settings()).key());
  }

  /** What a backup of {@code db} by the SchemaMigration shop/vectis-backend records. */
  public static BackupScript.Origin origin(TestDatabase db, List<String> rows) {
    DatabaseIdentity identity = DatabaseIdentity.of(db.settings());
    return new BackupScript.Origin(identity, identity.key(), "shop", "vectis-backend", rows,
        "registry.example.com/vectis/backend:1.14.0", "alembic_version", null);
  }

  /** A verified backup of {@code db} into its directory under {@code root}. */
  public static BackupScript.Result backup(TestDatabase db, Path root, List<String> rows,
      int retain) {
    return LocalBackup.backup(db.settings(), directory(root, db), origin(db, rows),
        Integer.toString(retain), ExternalTools.pgDump(), TIMEOUT);
  }
}
