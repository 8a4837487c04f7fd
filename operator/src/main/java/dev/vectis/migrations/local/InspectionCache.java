package dev.vectis.migrations.local;

import dev.vectis.migrations.revision.InspectionScript;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The inspected revision graphs of local projects, kept on disk so that a run on an unchanged
 * project starts no Python. An entry is the inspection script's JSON document, named by a
 * SHA-256 of everything the graph is read from: the inspection script itself, the Python
 * (path, size, modification time, PYTHONPATH), the project directory and the config's path,
 * and the content of alembic.ini (and pyproject.toml beside it), env.py, script.py.mako and
 * every file under the version location(s) ({@code __pycache__} aside unless
 * {@code sourceless}). Locations resolve as Alembic resolves them: {@code %(here)s} and other
 * interpolations of the ini, relative paths against the working directory the inspection runs
 * in. When a location cannot be resolved to a directory (a {@code package:path} resource, an
 * unknown interpolation or separator), nothing is cached and every run inspects.
 *
 * <p>Entries are written atomically (a temporary file moved into place); one that cannot be
 * read or parsed is ignored and written again; a failed inspection is never cached.
 *
 * <p>Location: {@code $SCHEMA_MIGRATION_GRAPH_CACHE} if set ({@code off} disables the cache),
 * else {@code $XDG_CACHE_HOME/schema-migration/graphs}, else
 * {@code ~/.cache/schema-migration/graphs}.
 */
public final class InspectionCache {
  /** Names the directory of the cache, or {@code off}. */
  public static final String ENVIRONMENT_VARIABLE = "SCHEMA_MIGRATION_GRAPH_CACHE";
  /**
   * Bumped when the key or the entry's format changes (2: the document carries the captured
   * operations, which the policy lints; an entry without them is not used).
   */
  private static final String FORMAT = "inspection-cache 2";
  private static final Pattern INTERPOLATION = Pattern.compile("%\\(([^)]*)\\)s");
  private static final Pattern SPACE_COMMA = Pattern.compile(", *| +");

  private final Path directory;

  /** A cache in {@code directory}; null: no cache (every call inspects). */
  public InspectionCache(Path directory) {
    this.directory = directory;
  }

  /** The cache the environment asks for (see the class comment). */
  public static InspectionCache fromEnvironment() {
    return new InspectionCache(defaultDirectory(System.getenv()));
  }

  /** The directory for this environment, or null when the cache is off. */
  public static Path defaultDirectory(Map<String, String> env) {
    String chosen = env.get(ENVIRONMENT_VARIABLE);
    if (chosen != null && !chosen.isBlank()) {
      return chosen.strip().equalsIgnoreCase("off") ? null : Path.of(chosen.strip());
    }
    String xdg = env.get("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("schema-migration").resolve("graphs");
  }

  public Path directory() {
    return directory;
  }

  /**
   * The inspection's output for the project: from the cache when its key matches, else from
   * {@code inspect}, which is then cached if it succeeded and printed a graph.
   */
  public ProcessRunner.Result inspection(Path workingDir, String config, String python,
      java.util.function.Supplier<ProcessRunner.Result> inspect) {
    Optional<Path> entry = directory == null ? Optional.empty()
        : key(workingDir, config, python).map(key -> directory.resolve(key + ".json"));
    if (entry.isPresent()) {
      String cached = read(entry.get());
      if (cached != null) {
        return new ProcessRunner.Result(0, cached);
      }
    }
    ProcessRunner.Result result = inspect.get();
    if (entry.isPresent() && result.succeeded() && !result.timedOut()) {
      String document = InspectionScript.documentLine(result.output());
      if (document != null && InspectionScript.parse(document).ok()) {
        write(entry.get(), document + "\n");
      }
    }
    return result;
  }

  /** An entry's document, or null when it is missing, unreadable or not a graph. */
  private static String read(Path entry) {
    try {
      String text = Files.readString(entry, StandardCharsets.UTF_8);
      return InspectionScript.parse(text).ok() ? text : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static void write(Path entry, String document) {
    try {
      AtomicFiles.replace(entry, document.getBytes(StandardCharsets.UTF_8), false);
    } catch (IOException | RuntimeException e) {
      // a cache that cannot be written costs the next run an inspection, nothing more
    }
  }

  /**
   * The key of the project whose config is {@code config} (relative to {@code workingDir}),
   * or empty when what the graph is read from cannot be determined.
   */
  public static Optional<String> key(Path workingDir, String config, String python) {
    try {
      Path work = workingDir.toAbsolutePath().normalize();
      Path ini = work.resolve(config).normalize();
      if (!Files.isRegularFile(ini)) {
        return Optional.empty();
      }
      byte[] iniContent = Files.readAllBytes(ini);
      Map<String, Map<String, String>> sections = Ini.parse(
          new String(iniContent, StandardCharsets.UTF_8));
      Map<String, String> defaults = new HashMap<>(sections.getOrDefault("DEFAULT", Map.of()));
      defaults.put("here", ini.getParent().toString());
      Map<String, String> alembic = sections.get("alembic");
      if (alembic == null) {
        return Optional.empty();
      }
      Optional<String> scriptLocation = Ini.value(alembic, defaults, "script_location");
      if (scriptLocation.isEmpty()) {
        return Optional.empty();
      }
      Optional<Path> scriptDir = directory(work, scriptLocation.get());
      if (scriptDir.isEmpty()) {
        return Optional.empty();
      }
      List<Path> versionDirs = new ArrayList<>();
      if (alembic.containsKey("version_locations")) {
        Optional<List<String>> locations = versionLocations(alembic, defaults);
        if (locations.isEmpty()) {
          return Optional.empty();
        }
        for (String location : locations.get()) {
          Optional<Path> resolved = directory(work, location);
          if (resolved.isEmpty()) {
            return Optional.empty();
          }
          versionDirs.add(resolved.get());
        }
      } else {
        versionDirs.add(scriptDir.get().resolve("versions"));
      }
      String sourceless = Ini.value(alembic, defaults, "sourceless").orElse("false");

      Digest digest = new Digest();
      digest.add(FORMAT);
      digest.add(InspectionScript.source());
      python(digest, python);
      digest.add(work.toString());
      digest.add(ini.toString());
      digest.add(iniContent);
      digest.file(work.resolve("pyproject.toml"));
      digest.file(scriptDir.get().resolve("env.py"));
      digest.file(scriptDir.get().resolve("script.py.mako"));
      for (Path versions : versionDirs) {
        digest.add("versions " + versions);
        digest.tree(versions, !"false".equals(sourceless));
      }
      return Optional.of(digest.hex());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** A location as Alembic resolves it: a path, relative to the working directory. */
  private static Optional<Path> directory(Path workingDir, String location) {
    Path path;
    try {
      path = Path.of(location);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    if (!path.isAbsolute() && location.contains(":")) {
      return Optional.empty(); // package:path, a resource of an installed package
    }
    Path resolved = workingDir.resolve(path).normalize();
    return Files.isDirectory(resolved) ? Optional.of(resolved) : Optional.empty();
  }

  /** version_locations split as Alembic splits it, or empty for a separator it would reject. */
  private static Optional<List<String>> versionLocations(Map<String, String> alembic,
      Map<String, String> defaults) {
    Optional<String> value = Ini.value(alembic, defaults, "version_locations");
    if (value.isEmpty()) {
      return Optional.empty();
    }
    String text = value.get();
    Optional<String> separator = Ini.value(alembic, defaults, "version_path_separator");
    if (separator.isEmpty()) {
      separator = Ini.value(alembic, defaults, "path_separator");
    }
    List<String> parts = new ArrayList<>();
    if (separator.isEmpty()) {
      for (String part : SPACE_COMMA.split(text.strip())) {
        parts.add(part);
      }
    } else {
      String split = switch (separator.get().strip()) {
        case "space" -> " ";
        case "os" -> java.io.File.pathSeparator;
        case ":" -> ":";
        case ";" -> ";";
        case "newline" -> "\n";
        default -> null;
      };
      if (split == null) {
        return Optional.empty();
      }
      for (String part : text.split(Pattern.quote(split))) {
        parts.add(part.strip());
      }
    }
    parts.removeIf(String::isEmpty);
    return parts.isEmpty() ? Optional.empty() : Optional.of(parts);
  }

  /** The Python as far as it can be told apart cheaply: its file, and PYTHONPATH. */
  private static void python(Digest digest, String python) throws IOException {
    digest.add("python " + python);
    Path file = null;
    if (python.contains("/")) {
      file = Path.of(python);
    } else {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir, python);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          file = candidate;
          break;
        }
      }
    }
    if (file != null && Files.isRegularFile(file)) {
      Path real = file.toRealPath();
      BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
      digest.add(real + " " + attributes.size() + " " + attributes.lastModifiedTime());
    }
    digest.add("PYTHONPATH " + System.getenv().getOrDefault("PYTHONPATH", ""));
  }

  /** A SHA-256 over length-prefixed parts, so that no two sequences of parts collide. */
  private static final class Digest {
    private final MessageDigest sha;

    Digest() {
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    void add(String text) {
      add(text.getBytes(StandardCharsets.UTF_8));
    }

    void add(byte[] bytes) {
      sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
      sha.update((byte) ':');
      sha.update(bytes);
    }

    /** A file's content, or that it is missing. */
    void file(Path file) throws IOException {
      if (Files.isRegularFile(file)) {
        add("file " + file);
        add(Files.readAllBytes(file));
      } else {
        add("no file " + file);
      }
    }

    /** Every file under {@code root}, in name order, by relative path and content. */
    void tree(Path root, boolean withCompiled) throws IOException {
      if (!Files.isDirectory(root)) {
        add("no directory");
        return;
      }
      List<Path> files;
      try (Stream<Path> walk = Files.walk(root)) {
        files = walk.filter(Files::isRegularFile)
            .filter(file -> withCompiled || !compiled(root.relativize(file)))
            .sorted()
            .toList();
      }
      for (Path file : files) {
        add("file " + root.relativize(file));
        add(Files.readAllBytes(file));
      }
    }

    private static boolean compiled(Path relative) {
      for (Path part : relative) {
        if (part.toString().equals("__pycache__")) {
          return true;
        }
      }
      String name = relative.getFileName().toString().toLowerCase(Locale.ROOT);
      return name.endsWith(".pyc") || name.endsWith(".pyo");
    }

    String hex() {
      return HexFormat.of().formatHex(sha.digest());
    }
  }

  /**
   * Just enough of Python's configparser: sections, {@code key = value} or {@code key: value},
   * indented continuation lines, comments, and BasicInterpolation's {@code %(name)s} and
   * {@code %%}.
   */
  static final class Ini {
    private Ini() {}

    static Map<String, Map<String, String>> parse(String text) {
      Map<String, Map<String, String>> sections = new HashMap<>();
      Map<String, String> section = null;
      String lastKey = null;
      for (String raw : text.split("\r?\n", -1)) {
        String stripped = raw.strip();
        if (!raw.isEmpty() && Character.isWhitespace(raw.charAt(0)) && section != null
            && lastKey != null && !stripped.isEmpty() && !stripped.startsWith("#")
            && !stripped.startsWith(";")) {
          String before = section.get(lastKey);
          section.put(lastKey, before.isEmpty() ? stripped : before + "\n" + stripped);
          continue;
        }
        if (stripped.isEmpty() || stripped.startsWith("#") || stripped.startsWith(";")) {
          if (stripped.isEmpty()) {
            lastKey = null;
          }
          continue;
        }
        if (stripped.startsWith("[") && stripped.endsWith("]")) {
          String name = stripped.substring(1, stripped.length() - 1);
          section = sections.computeIfAbsent(name, n -> new HashMap<>());
          lastKey = null;
          continue;
        }
        int equals = indexOfDelimiter(stripped);
        if (section == null || equals < 0) {
          throw new IllegalArgumentException("not an ini line: " + stripped);
        }
        lastKey = stripped.substring(0, equals).strip().toLowerCase(Locale.ROOT);
        section.put(lastKey, stripped.substring(equals + 1).strip());
      }
      return sections;
    }

    private static int indexOfDelimiter(String line) {
      int equals = line.indexOf('=');
      int colon = line.indexOf(':');
      if (equals < 0) {
        return colon;
      }
      return colon < 0 ? equals : Math.min(equals, colon);
    }

    /** The interpolated value of {@code key}; empty when missing or not interpolable. */
    static Optional<String> value(Map<String, String> section, Map<String, String> defaults,
        String key) {
      return interpolate(section, defaults, key, 0);
    }

    private static Optional<String> interpolate(Map<String, String> section,
        Map<String, String> defaults, String key, int depth) {
      String raw = section.containsKey(key) ? section.get(key) : defaults.get(key);
      if (raw == null) {
        return Optional.empty();
      }
      if (depth > 10) {
        throw new IllegalArgumentException("interpolation too deep at " + key);
      }
      StringBuilder result = new StringBuilder();
      int i = 0;
      while (i < raw.length()) {
        char c = raw.charAt(i);
        if (c != '%') {
          result.append(c);
          i++;
          continue;
        }
        if (raw.startsWith("%%", i)) {
          result.append('%');
          i += 2;
          continue;
        }
        Matcher matcher = INTERPOLATION.matcher(raw).region(i, raw.length());
        if (!matcher.lookingAt()) {
          throw new IllegalArgumentException("bad interpolation in " + key);
        }
        String name = matcher.group(1).toLowerCase(Locale.ROOT);
        Optional<String> value = interpolate(section, defaults, name, depth + 1);
        if (value.isEmpty()) {
          throw new IllegalArgumentException("unknown interpolation " + name);
        }
        result.append(value.get());
        i = matcher.end();
      }
      return Optional.of(result.toString());
    }
  }
}
