package dev.vectis.migrations.local;

import dev.vectis.migrations.Sha256;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Local mode's stand-in for the API server: one SchemaMigration's status for one database,
 * kept in {@code <state dir>/<database key>/<namespace>/<name>.json} and replaced
 * atomically. A changed spec is a new generation (as metadata.generation is for the
 * operator), so a relative target is resolved once per spec change.
 */
public final class LocalState {
  private static final Pattern DNS_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /** What is saved: the spec's fingerprint, its generation and the status. */
  public static final class Saved {
    public String specHash;
    public long generation;
    public SchemaMigrationStatus status;
  }

  private final Path file;

  private LocalState(Path file) {
    this.file = file;
  }

  /**
   * @throws IllegalArgumentException when a name could leave the state directory
   */
  public static LocalState of(Path stateDir, String databaseKey, String namespace,
      String name) {
    for (String part : new String[] {namespace, name}) {
      if (part == null || !DNS_NAME.matcher(part).matches() || part.length() > 253) {
        throw new IllegalArgumentException("metadata.name/namespace: \"" + part + "\" is not a "
            + "DNS-1123 name");
      }
    }
    return new LocalState(stateDir.resolve(databaseKey).resolve(namespace)
        .resolve(name + ".json"));
  }

  public Path file() {
    return file;
  }

  /**
   * The saved state with the generation of {@code spec}: the saved one when the spec is the
   * same, the next one when it changed; a fresh status when nothing was saved.
   */
  public Saved load(SchemaMigrationSpec spec) {
    String hash = fingerprint(spec);
    Saved saved = null;
    if (Files.isRegularFile(file)) {
      try {
        saved = JSON.readValue(file.toFile(), Saved.class);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the saved status " + file + " ("
            + e.getMessage() + "); move it away to start afresh", e);
      }
    }
    if (saved == null) {
      saved = new Saved();
      saved.generation = 1;
      saved.status = new SchemaMigrationStatus();
    } else if (!hash.equals(saved.specHash)) {
      saved.generation++;
    }
    if (saved.status == null) {
      saved.status = new SchemaMigrationStatus();
    }
    saved.specHash = hash;
    return saved;
  }

  /** Writes the state to a new file beside the old one, then renames it over: all or nothing. */
  public void save(Saved saved) {
    try {
      AtomicFiles.replace(file, JSON.writeValueAsBytes(saved), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the status to " + file + ": "
          + e.getMessage(), e);
    }
  }

  private static String fingerprint(SchemaMigrationSpec spec) {
    try {
      byte[] canonical = JSON.copy().disable(SerializationFeature.INDENT_OUTPUT)
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .writeValueAsString(spec).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(Sha256.of(canonical));
    } catch (IOException e) {
      throw new IllegalStateException("cannot fingerprint the spec", e);
    }
  }
}
