package dev.vectis.migrations.local;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * SchemaMigration documents local mode has already checked against the CRD, so that the next
 * command on the same file skips the check (the schema validator's start is about a quarter
 * of a {@code current}). An entry is the document as the check left it (nulls pruned so that
 * defaults apply), named by a SHA-256 of the document before the check and of the jar that
 * holds the validator (its path, size and modification time): any change to the file, to the
 * flags applied to it, or a new build checks again. Classes not run from a jar (tests, an IDE)
 * never use it. Only documents without problems are kept.
 *
 * <p>Where: in the graph cache's directory ({@link InspectionCache}), under
 * {@code documents/}; off when it is off.
 */
public final class ValidatedDocuments {
  private static final String FORMAT = "validated-documents 1";
  /** Names the validator's code when it is not run from a jar (tests). */
  public static final String CODE_STAMP_PROPERTY = "schemaMigration.validatorStamp";

  private final Path directory;
  private final String codeStamp;

  /**
   * @param directory null: nothing is kept
   * @param codeStamp what identifies the validator's code; null: nothing is kept
   */
  public ValidatedDocuments(Path directory, String codeStamp) {
    this.directory = directory;
    this.codeStamp = codeStamp;
  }

  /** As the environment has it, for the validator in {@code validatorClass}'s jar. */
  public static ValidatedDocuments fromEnvironment(Class<?> validatorClass) {
    Path graphs = InspectionCache.defaultDirectory(System.getenv());
    String stamp = jarStamp(validatorClass);
    return new ValidatedDocuments(graphs == null ? null : graphs.resolve("documents"),
        stamp != null ? stamp : System.getProperty(CODE_STAMP_PROPERTY));
  }

  /** The document as checked before, or empty. */
  public Optional<String> checked(String document) {
    Optional<Path> entry = entry(document);
    if (entry.isEmpty() || !Files.isRegularFile(entry.get())) {
      return Optional.empty();
    }
    try {
      String text = Files.readString(entry.get(), StandardCharsets.UTF_8);
      return text.startsWith("{") && text.endsWith("}") ? Optional.of(text) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Keeps {@code checked}, what the check left of {@code document}, which had no problem. */
  public void remember(String document, String checked) {
    Optional<Path> entry = entry(document);
    if (entry.isEmpty()) {
      return;
    }
    try {
      AtomicFiles.replace(entry.get(), checked.getBytes(StandardCharsets.UTF_8), false);
    } catch (IOException | RuntimeException e) {
      // not kept: the next run checks again
    }
  }

  private Optional<Path> entry(String document) {
    if (directory == null || codeStamp == null) {
      return Optional.empty();
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part : new String[] {FORMAT, codeStamp, document}) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        sha.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
        sha.update(bytes);
      }
      return Optional.of(directory.resolve(HexFormat.of().formatHex(sha.digest()) + ".json"));
    } catch (NoSuchAlgorithmException e) {
      return Optional.empty();
    }
  }

  /** The jar {@code type} was loaded from, as path, size and modification time; else null. */
  static String jarStamp(Class<?> type) {
    try {
      var source = type.getProtectionDomain().getCodeSource();
      if (source == null) {
        return null;
      }
      Path location = Path.of(source.getLocation().toURI());
      if (!Files.isRegularFile(location)) {
        return null;
      }
      BasicFileAttributes attributes = Files.readAttributes(location,
          BasicFileAttributes.class);
      return location.toAbsolutePath() + " " + attributes.size() + " "
          + attributes.lastModifiedTime().toMillis();
    } catch (IOException | URISyntaxException | RuntimeException e) {
      return null;
    }
  }
}
