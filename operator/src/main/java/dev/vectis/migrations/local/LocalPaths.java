package dev.vectis.migrations.local;

import dev.vectis.migrations.api.SchemaMigrationSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Where an image's directories are in a local checkout. The project directory stands for the
 * image's file system: an absolute image path maps to its longest tail that exists under it
 * ({@code /app/vectis/backend} → {@code <project>/vectis/backend}, {@code /app} →
 * {@code <project>}); a relative one is taken under the project directory.
 */
public final class LocalPaths {
  private LocalPaths() {}

  /**
   * @param field the spec field, named in the error
   * @return the local directory
   * @throws IllegalArgumentException when nothing under the project directory matches
   */
  public static Path resolve(Path projectDir, String imagePath, String field) {
    if (imagePath == null || imagePath.isBlank()) {
      return projectDir;
    }
    Path path = Path.of(imagePath);
    if (!path.isAbsolute()) {
      Path local = projectDir.resolve(path).normalize();
      if (!local.startsWith(projectDir.normalize())) {
        throw new IllegalArgumentException(field + ": " + imagePath + " leaves the project "
            + "directory " + projectDir);
      }
      if (Files.isDirectory(local)) {
        return local;
      }
      throw new IllegalArgumentException(field + ": " + imagePath + " is not a directory under "
          + projectDir);
    }
    // "/app/../../x" is "/x": an image path never climbs out of the checkout.
    path = path.normalize();
    for (int skip = 0; skip <= path.getNameCount(); skip++) {
      Path local = skip == path.getNameCount() ? projectDir
          : projectDir.resolve(path.subpath(skip, path.getNameCount()));
      if (Files.isDirectory(local)
          && local.toAbsolutePath().normalize()
              .startsWith(projectDir.toAbsolutePath().normalize())) {
        return local;
      }
    }
    throw new IllegalArgumentException(field + ": no part of " + imagePath
        + " exists under " + projectDir);
  }

  /** How deep under a checkout an alembic.ini is looked for. */
  public static final int SEARCH_DEPTH = 3;
  private static final Set<String> NOT_SEARCHED = Set.of("node_modules", "site-packages",
      "__pycache__", "venv", "target", "build", "dist");

  /**
   * The directory alembic runs in (spec.alembic.workingDir under the checkout), which must hold
   * spec.alembic.config.
   *
   * @throws IllegalArgumentException naming where it looked and what to change
   */
  public static Path alembicDir(Path projectDir, SchemaMigrationSpec spec) {
    Path alembicDir = resolve(projectDir, spec.alembic.workingDir, "spec.alembic.workingDir");
    Path config = Path.of(spec.alembic.config);
    if (!config.isAbsolute() && !Files.isRegularFile(alembicDir.resolve(config))) {
      throw new IllegalArgumentException("no " + config + " in " + alembicDir
          + " (spec.alembic.workingDir " + spec.alembic.workingDir + " looked up under "
          + "--project-dir " + projectDir + "); give the checkout that holds it as "
          + "--project-dir, its path as --config, or set spec.alembic.workingDir/config");
    }
    return alembicDir;
  }

  /**
   * The checkout's alembic.ini: {@code config} (relative to the checkout, inside it), or when
   * null the only one in the checkout or up to {@link #SEARCH_DEPTH} levels below.
   *
   * @throws IllegalArgumentException naming the flag, where it looked and what to give
   */
  public static Path alembicIni(Path projectDir, Path config) {
    Path root = projectDir.toAbsolutePath().normalize();
    if (config != null) {
      Path ini = root.resolve(config).normalize();
      if (!ini.startsWith(root)) {
        throw new IllegalArgumentException("--config " + config + ": outside --project-dir "
            + projectDir);
      }
      if (!Files.isRegularFile(ini)) {
        throw new IllegalArgumentException("--config " + config + ": no such file (looked at "
            + ini + ")");
      }
      return ini;
    }
    List<Path> found = alembicConfigs(root);
    if (found.size() == 1) {
      return found.get(0);
    }
    if (found.isEmpty()) {
      throw new IllegalArgumentException("no alembic.ini in --project-dir " + projectDir
          + " or " + SEARCH_DEPTH + " levels below (looked in " + root + "); give the checkout "
          + "as --project-dir, its alembic.ini as --config, or a SchemaMigration with -f");
    }
    throw new IllegalArgumentException("--project-dir " + projectDir + " holds "
        + found.size() + " alembic.ini files (" + String.join(", ", found.stream()
            .map(path -> root.relativize(path).toString()).toList()) + "): pick one with "
        + "--config");
  }

  /** The alembic.ini files in a checkout and up to {@link #SEARCH_DEPTH} levels below. */
  private static List<Path> alembicConfigs(Path projectDir) {
    Path here = projectDir.resolve("alembic.ini");
    if (Files.isRegularFile(here)) {
      return List.of(here);
    }
    List<Path> found = new ArrayList<>();
    try {
      // Hidden and dependency folders are not entered at all (a data directory or a
      // virtualenv holds thousands of files).
      Files.walkFileTree(projectDir, EnumSet.noneOf(FileVisitOption.class),
          SEARCH_DEPTH + 1, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path directory,
                BasicFileAttributes attributes) {
              String name = directory.getFileName() == null ? ""
                  : directory.getFileName().toString();
              return directory.equals(projectDir) || !(name.startsWith(".")
                  || NOT_SEARCHED.contains(name)) ? FileVisitResult.CONTINUE
                  : FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file,
                BasicFileAttributes attributes) {
              if (attributes.isRegularFile()
                  && file.getFileName().toString().equals("alembic.ini")) {
                found.add(file);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              return FileVisitResult.CONTINUE; // an unreadable folder: not ours
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot search " + projectDir + " for alembic.ini", e);
    }
    return found.stream().sorted().toList();
  }

  /** A SchemaMigration name for a checkout: its folder's name as a DNS label. */
  public static String resourceName(Path projectDir) {
    Path folder = projectDir.toAbsolutePath().normalize().getFileName();
    String name = folder == null ? "" : folder.toString().toLowerCase(Locale.ROOT)
        .replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
    name = name.length() > 63 ? name.substring(0, 63).replaceAll("-+$", "") : name;
    return name.isEmpty() ? "local" : name;
  }
}
