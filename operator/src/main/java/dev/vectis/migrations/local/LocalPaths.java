package dev.vectis.migrations.local;

import java.nio.file.Files;
import java.nio.file.Path;

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
    for (int skip = 0; skip <= path.getNameCount(); skip++) {
      Path local = skip == path.getNameCount() ? projectDir
          : projectDir.resolve(path.subpath(skip, path.getNameCount()));
      if (Files.isDirectory(local)) {
        return local;
      }
    }
    throw new IllegalArgumentException(field + ": no part of " + imagePath
        + " exists under " + projectDir);
  }
}
