package dev.vectis.migrations.database;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vectis.migrations.ScriptResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The backup: {@code pg_dump -Fc} to an exclusively created temporary file, a full read with
 * {@code pg_restore} to verify it, the metadata beside it, a rename to the trusted name,
 * retention among the dumps of the same database, and one JSON line with path, size and
 * sha256. One shell script (shipped in the jar) serves the backup Job and local mode alike.
 *
 * <p>Dumps live in {@code <root>/<database key>/<UTC time>-<rows>.dump}, each with
 * {@code <dump>.json} beside it ({@link Metadata}).
 */
public final class BackupScript {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Our dump names; nothing else in a backup directory is ever read as a dump or removed. */
  public static final Pattern DUMP_NAME =
      Pattern.compile("[0-9]{8}T[0-9]{6}Z-[A-Za-z0-9_.]+\\.dump");
  /**
   * The script's exit code when its pg_dump is of an older major than the server (pg_dump
   * cannot dump a newer server): it printed one line naming both versions, and dumped nothing.
   */
  public static final int PG_DUMP_TOO_OLD_EXIT = 78;
  /** Retention value that keeps every dump (restore's safety dumps). */
  public static final String RETAIN_ALL = "all";

  private BackupScript() {}

  /** What the script reported about the dump it wrote. */
  /** A verified dump, and the names of the older dumps retention removed after it. */
  public record Result(String path, long sizeBytes, String sha256, List<String> removed) {
    public Result {
      removed = List.copyOf(removed);
    }
  }

  /**
   * What a dump is of, known before it is taken.
   *
   * @param database the database's host, port and name as connected to
   * @param key the stable key of that database: the name of its backup directory (usually
   *     {@code database.key()}; local mode's embedded PostgreSQL, whose port changes every run,
   *     is keyed by its data directory)
   * @param image the image whose scripts know {@code rows}, or null
   * @param versionTableSchema null for the default schema
   */
  public record Origin(DatabaseIdentity database, String key, String namespace, String name,
      List<String> rows, String image, String versionTable, String versionTableSchema) {
    public Origin {
      rows = List.copyOf(rows);
    }
  }

  /** A dump's metadata file, as the script wrote it. */
  public record Metadata(DatabaseIdentity database, String key, String namespace, String name,
      List<String> rows, String image, String versionTable, String versionTableSchema,
      long sizeBytes, String sha256, String toolVersion, String pgDumpVersion,
      String createdAt) {
    /** The rows for people: comma-joined, "base" for none. */
    public String revision() {
      return rows.isEmpty() ? "base" : String.join(",", rows);
    }
  }

  /** A dump and its metadata. */
  public record Dump(Path path, Metadata metadata) {}

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
   * @param directory the database's dump directory ({@code <root>/<origin.key()>})
   * @param retain how many dumps of this database to keep, or {@link #RETAIN_ALL}
   */
  public static Map<String, String> environment(String directory, Origin origin,
      String retain) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("BACKUP_DIR", directory);
    env.put("BACKUP_KEY", origin.key());
    env.put("BACKUP_LABEL", fileLabel(origin.rows()));
    env.put("BACKUP_RETAIN", retain);
    env.put("BACKUP_METADATA", metadataJson(origin));
    return env;
  }

  /** The metadata known before the dump; the script adds size, sha256, versions and time. */
  static String metadataJson(Origin origin) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode database = root.putObject("database");
    database.put("host", origin.database().host());
    database.put("port", origin.database().port());
    database.put("database", origin.database().database());
    database.put("key", origin.key());
    ObjectNode resource = root.putObject("resource");
    resource.put("namespace", origin.namespace());
    resource.put("name", origin.name());
    ArrayNode rows = root.putArray("rows");
    origin.rows().forEach(rows::add);
    root.put("image", origin.image());
    root.put("versionTable", origin.versionTable());
    root.put("versionTableSchema", origin.versionTableSchema());
    root.put("toolVersion", toolVersion());
    return root.toString();
  }

  /** This jar's version (its manifest), "development" when run from classes. */
  public static String toolVersion() {
    String version = BackupScript.class.getPackage().getImplementationVersion();
    return version == null ? "development" : version;
  }

  /** The rows as a file-name part: ids joined by "_", "base" for none, nothing unsafe. */
  public static String fileLabel(List<String> rows) {
    if (rows.isEmpty()) {
      return "base";
    }
    return String.join("_", rows).replaceAll("[^A-Za-z0-9_.]", "_");
  }

  /** How the script names a dump its retention removed (on stderr, which the log keeps). */
  private static final String REMOVED = "backup: removed ";

  /** The result line from the script's output (a Job's log), if it finished. */
  public static Optional<Result> parse(String output) {
    List<String> lines = output.lines().toList();
    for (int i = lines.size() - 1; i >= 0; i--) {
      String line = lines.get(i);
      if (line.startsWith("{\"backup\":")) {
        try {
          JsonNode backup = JSON.readTree(line).get("backup");
          List<String> removed = lines.stream().filter(l -> l.startsWith(REMOVED))
              .map(l -> l.substring(REMOVED.length()).replaceFirst(" \\(retain .*\\)$", ""))
              .toList();
          return Optional.of(new Result(backup.get("path").asText(),
              backup.get("sizeBytes").asLong(), backup.get("sha256").asText(), removed));
        } catch (IOException | RuntimeException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /** The metadata file of a dump. */
  public static Path metadataPath(Path dump) {
    return dump.resolveSibling(dump.getFileName() + ".json");
  }

  /**
   * The metadata beside {@code dump}; empty when there is none (or it is a symlink).
   *
   * @throws IOException when it exists but cannot be read as our metadata
   */
  public static Optional<Metadata> readMetadata(Path dump) throws IOException {
    Path file = metadataPath(dump);
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException(file + " is not valid JSON");
    }
    JsonNode database = root.path("database");
    JsonNode resource = root.path("resource");
    if (!database.path("host").isTextual() || !database.path("port").isInt()
        || !database.path("database").isTextual() || !database.path("key").isTextual()
        || !root.path("sha256").isTextual() || !root.path("sizeBytes").isNumber()
        || !root.path("rows").isArray()) {
      throw new IOException(file + " is not a backup's metadata (database, rows, sizeBytes "
          + "or sha256 missing)");
    }
    List<String> rows = new ArrayList<>();
    root.get("rows").forEach(row -> rows.add(row.asText()));
    return Optional.of(new Metadata(new DatabaseIdentity(database.get("host").asText(),
        database.get("port").asInt(), database.get("database").asText()),
        database.get("key").asText(), text(resource, "namespace"), text(resource, "name"),
        rows, text(root, "image"), text(root, "versionTable"),
        text(root, "versionTableSchema"), root.get("sizeBytes").asLong(),
        root.get("sha256").asText(), text(root, "toolVersion"), text(root, "pgDumpVersion"),
        text(root, "createdAt")));
  }

  /**
   * The dumps of the database {@code key} in {@code directory}, newest first: our name
   * pattern, regular files (no symlink followed), with readable metadata naming that key.
   */
  public static List<Dump> dumpsOf(Path directory, String key) throws IOException {
    if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    List<Path> candidates;
    try (Stream<Path> files = Files.list(directory)) {
      candidates = files.filter(f -> DUMP_NAME.matcher(f.getFileName().toString()).matches())
          .filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
          .sorted((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()))
          .toList();
    }
    List<Dump> dumps = new ArrayList<>();
    for (Path candidate : candidates) {
      Optional<Metadata> metadata;
      try {
        metadata = readMetadata(candidate);
      } catch (IOException unreadable) {
        continue;  // not one of ours to vouch for
      }
      metadata.filter(m -> m.key().equals(key))
          .ifPresent(m -> dumps.add(new Dump(candidate, m)));
    }
    return dumps;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() ? value.asText() : null;
  }
}
