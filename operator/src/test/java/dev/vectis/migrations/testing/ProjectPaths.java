package dev.vectis.migrations.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the repository's files that tests read. */
public final class ProjectPaths {
  private ProjectPaths() {}

  public static Path root() {
    String configured = System.getProperty("project.root");
    Path root = configured != null ? Path.of(configured) : Path.of("..");
    root = root.toAbsolutePath().normalize();
    if (!Files.isDirectory(root.resolve("examples"))) {
      throw new IllegalStateException("repository root not found at " + root);
    }
    return root;
  }

  public static Path examples() {
    return root().resolve("examples");
  }

  /** examples/vectis-backend: the sample project; the seed runs from here. */
  public static Path vectisProject() {
    return examples().resolve("vectis-backend");
  }

  /** Where alembic is run for the sample project (holds alembic.ini). */
  public static Path vectisAlembicDir() {
    return vectisProject().resolve("vectis/backend");
  }

  public static Path crd() {
    return root().resolve("crds/schemamigrations.migrations.vectis.dev-v1.yml");
  }
}
