package dev.vectis.migrations.local;

import dev.vectis.migrations.database.ConnectionSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** docs/restore.md's "restore into the same database", as a local process. */
public final class LocalRestore {
  private LocalRestore() {}

  /** The pg_restore arguments of docs/restore.md, for {@code dump} into the database. */
  private static List<String> command(Path pgRestore, ConnectionSettings database, Path dump) {
    return List.of(pgRestore.toString(), "--clean", "--if-exists", "--single-transaction",
        "--no-owner", "--dbname", database.database(), dump.toString());
  }

  /** Runs pg_restore; the password goes through PGPASSWORD, the output is masked. */
  public static ProcessRunner.Result restore(Path pgRestore, ConnectionSettings database,
      Path dump) {
    Map<String, String> env = DatabaseEnvironment.of(database, System.getenv());
    ProcessRunner.Result result = ProcessRunner.run(dump.toAbsolutePath().getParent(), env,
        Duration.ofHours(1), command(pgRestore, database, dump.toAbsolutePath()));
    return new ProcessRunner.Result(result.exitCode(), database.masker().mask(result.output()));
  }

  /**
   * Restores {@code dump} as a copy into an empty scratch database: without owners and
   * privileges (their roles need not exist there), in one transaction, stopping at the first
   * error. The password goes through PGPASSWORD, the output is masked.
   */
  public static ProcessRunner.Result restoreCopy(Path pgRestore, ConnectionSettings database,
      Path dump, Duration timeout) {
    Map<String, String> env = DatabaseEnvironment.of(database, System.getenv());
    ProcessRunner.Result result = ProcessRunner.run(dump.toAbsolutePath().getParent(), env,
        timeout, List.of(pgRestore.toString(), "--no-owner", "--no-acl", "--single-transaction",
            "--exit-on-error", "--dbname", database.database(), dump.toAbsolutePath().toString()));
    return new ProcessRunner.Result(result.exitCode(), database.masker().mask(result.output()),
        result.timedOut());
  }

  /** The file's SHA-256, hex (what the backup's metadata records). */
  public static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
