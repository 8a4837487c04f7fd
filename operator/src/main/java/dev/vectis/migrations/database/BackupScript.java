package dev.vectis.migrations.database;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vectis.migrations.ScriptResources;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The backup: {@code pg_dump -Fc} to a temporary name, {@code pg_restore --list} to verify,
 * a rename, retention, and one JSON line with path, size and sha256. One shell script (shipped
 * in the jar) serves the backup Job and local mode alike.
 */
public final class BackupScript {
  private static final ObjectMapper JSON = new ObjectMapper();

  private BackupScript() {}

  /** What the script reported about the dump it wrote. */
  public record Result(String path, long sizeBytes, String sha256) {}

  public static String source() {
    return ScriptResources.read(BackupScript.class, "backup.sh");
  }

  /** {@code sh -c <script> backup}: take a backup. */
  public static List<String> backupCommand() {
    return List.of("sh", "-c", source(), "backup.sh");
  }

  /** {@code sh -c <script> backup.sh verify FILE}: verify an existing dump. */
  public static List<String> verifyCommand(String dump) {
    return List.of("sh", "-c", source(), "backup.sh", "verify", dump);
  }

  /**
   * The script's variables besides libpq's.
   *
   * @param directory the SchemaMigration's dump directory
   * @param rows the version table rows the dump is taken at
   */
  public static Map<String, String> environment(String directory, List<String> rows,
      int retain) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("BACKUP_DIR", directory);
    env.put("BACKUP_LABEL", fileLabel(rows));
    env.put("BACKUP_RETAIN", Integer.toString(retain));
    return env;
  }

  /** The rows as a file-name part: ids joined by "_", "base" for none, nothing unsafe. */
  public static String fileLabel(List<String> rows) {
    if (rows.isEmpty()) {
      return "base";
    }
    return String.join("_", rows).replaceAll("[^A-Za-z0-9_.]", "_");
  }

  /** The result line from the script's output (a Job's log), if it finished. */
  public static Optional<Result> parse(String output) {
    List<String> lines = output.lines().toList();
    for (int i = lines.size() - 1; i >= 0; i--) {
      String line = lines.get(i);
      if (line.startsWith("{\"backup\":")) {
        try {
          JsonNode backup = JSON.readTree(line).get("backup");
          return Optional.of(new Result(backup.get("path").asText(),
              backup.get("sizeBytes").asLong(), backup.get("sha256").asText()));
        } catch (IOException | RuntimeException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }
}
