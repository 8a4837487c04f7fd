package dev.vectis.migrations.database;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where local mode finds a password without taking it on the command line (where every local
 * user can read it in the process list): {@code --password-file}, then {@code PGPASSWORD},
 * then the libpq password file ({@code PGPASSFILE} or {@code ~/.pgpass}), as psql does.
 */
public final class PasswordSources {
  private PasswordSources() {}

  /**
   * @param passwordFile a file whose first line is the password, or null
   * @throws IllegalArgumentException when the given file cannot be read
   */
  public static Optional<String> find(ConnectionSettings settings, Path passwordFile,
      Map<String, String> environment) {
    if (passwordFile != null) {
      try {
        List<String> lines = Files.readAllLines(passwordFile, StandardCharsets.UTF_8);
        return Optional.of(lines.isEmpty() ? "" : lines.get(0));
      } catch (IOException e) {
        throw new IllegalArgumentException("--password-file " + passwordFile
            + ": cannot be read (" + e.getClass().getSimpleName() + ")");
      }
    }
    String fromEnvironment = environment.get("PGPASSWORD");
    if (fromEnvironment != null) {
      return Optional.of(fromEnvironment);
    }
    String passFile = environment.get("PGPASSFILE");
    Path file = passFile != null ? Path.of(passFile)
        : Path.of(environment.getOrDefault("HOME", System.getProperty("user.home")), ".pgpass");
    return fromPassFile(file, settings);
  }

  /** The first matching line of a libpq password file: host:port:database:user:password. */
  static Optional<String> fromPassFile(Path file, ConnectionSettings settings) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return Optional.empty();
    }
    String[] wanted = {settings.host(), Integer.toString(settings.port()), settings.database(),
        settings.user()};
    for (String line : lines) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      List<String> fields = split(line);
      if (fields.size() < 5) {
        continue;
      }
      boolean matches = true;
      for (int i = 0; i < 4 && matches; i++) {
        matches = fields.get(i).equals("*") || fields.get(i).equals(wanted[i]);
      }
      if (matches) {
        return Optional.of(fields.get(4));
      }
    }
    return Optional.empty();
  }

  /** Splits on ':' with libpq's escapes ({@code \:} and {@code \\}). */
  private static List<String> split(String line) {
    List<String> fields = new java.util.ArrayList<>();
    StringBuilder field = new StringBuilder();
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        field.append(line.charAt(++i));
      } else if (c == ':' && fields.size() < 4) {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }
}
