package dev.vectis.migrations.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.testing.ProjectPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed CRD must be the one the build generates from the API classes. */
class CrdIsCurrentTest {
  private static final String GENERATED =
      "operator/target/classes/META-INF/fabric8/schemamigrations.migrations.vectis.dev-v1.yml";

  @Test
  void committedCrdMatchesTheGeneratedOne() throws IOException {
    Path generated = ProjectPaths.root().resolve(GENERATED);
    assertThat(generated).as("the crd-generator-maven-plugin output").exists();
    assertThat(Files.readString(ProjectPaths.crd()))
        .as("crds/ is stale; refresh it (and the chart's copy) with:\n  mvn -B -DskipTests "
            + "package && cp %s crds/ && cp %s helm/schema-migration-operator/crds/\n",
            GENERATED, GENERATED)
        .isEqualTo(Files.readString(generated));
  }
}
