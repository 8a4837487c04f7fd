package dev.vectis.migrations.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.testing.ProjectPaths;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher (src/main/dist/schema-migration) on a small jar: the first run of a command
 * makes its class-data-sharing archive and the next ones use it; stdout holds only what the
 * program printed; exit codes pass through; a damaged archive or SCHEMA_MIGRATION_CDS=off means
 * a plain start.
 */
class LauncherTest {
  @TempDir Path work;
  private Path jar;
  private Path cds;

  @BeforeEach
  void probeJar() throws IOException {
    jar = work.resolve("probe.jar");
    cds = work.resolve("cds");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, LauncherProbe.class.getName());
    String entry = LauncherProbe.class.getName().replace('.', '/') + ".class";
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest)) {
      out.putNextEntry(new JarEntry(entry));
      try (var in = LauncherProbe.class.getResourceAsStream("/" + entry)) {
        in.transferTo(out);
      }
      out.closeEntry();
    }
  }

  @Test
  void theFirstRunMakesTheArchiveAndTheNextOneUsesIt() throws IOException {
    ProcessRunner.Result first = launch(Map.of(), "probe", "0");
    assertThat(first.exitCode()).isZero();
    assertThat(first.output()).as("stdout and stderr: no JVM warnings").isEqualTo(
        "{\"ok\": true}\n");
    assertThat(archives()).singleElement().satisfies(archive ->
        assertThat(archive.getFileName().toString()).endsWith("-probe.jsa"));

    Path classes = work.resolve("classes.txt");
    ProcessRunner.Result second = launch(Map.of("SCHEMA_MIGRATION_JAVA_OPTS",
        "-Xlog:class+load:file=" + classes), "probe", "0");
    assertThat(second.exitCode()).isZero();
    assertThat(second.output()).isEqualTo("{\"ok\": true}\n");
    assertThat(Files.readAllLines(classes)).anySatisfy(line -> assertThat(line)
        .contains(LauncherProbe.class.getName() + " source: shared objects file"));
  }

  @Test
  void exitCodesPassThroughAndAFailedFirstRunKeepsNoArchive() throws IOException {
    assertThat(launch(Map.of(), "probe", "3").exitCode()).isEqualTo(3);
    assertThat(archives()).isEmpty();
    assertThat(launch(Map.of(), "probe", "1").exitCode()).isEqualTo(1);
    assertThat(archives()).hasSize(1);
    assertThat(launch(Map.of(), "probe", "4").exitCode()).isEqualTo(4);
  }

  @Test
  void aNewBuildOfTheJarReplacesItsArchives() throws IOException {
    launch(Map.of(), "probe", "0");
    Path first = archives().get(0);
    Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(
        Files.getLastModifiedTime(jar).toMillis() - 60_000));

    assertThat(launch(Map.of(), "probe", "0").exitCode()).isZero();

    assertThat(archives()).singleElement().isNotEqualTo(first);
    assertThat(Files.exists(Path.of(first + ".size"))).isFalse();
  }

  @Test
  void aTruncatedArchiveIsNotUsed() throws IOException {
    launch(Map.of(), "probe", "0");
    Path archive = archives().get(0);
    archive.toFile().setWritable(true);
    byte[] bytes = Files.readAllBytes(archive);
    Files.write(archive, java.util.Arrays.copyOf(bytes, bytes.length / 3));

    ProcessRunner.Result run = launch(Map.of(), "probe", "0");

    assertThat(run.exitCode()).isZero();
    assertThat(run.output()).isEqualTo("{\"ok\": true}\n");
  }

  @Test
  void offMeansNoArchive() throws IOException {
    ProcessRunner.Result run = launch(Map.of("SCHEMA_MIGRATION_CDS", "off"), "probe", "0");
    assertThat(run.exitCode()).isZero();
    assertThat(run.output()).isEqualTo("{\"ok\": true}\n");
    assertThat(cds).doesNotExist();
  }

  @Test
  void aMissingJarIsOneLine() {
    ProcessRunner.Result run = launch(Map.of("SCHEMA_MIGRATION_JAR",
        work.resolve("none.jar").toString()), "probe", "0");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.output().strip()).startsWith("schema-migration: no schema-migration-operator"
        + ".jar").doesNotContain("\n");
  }

  private ProcessRunner.Result launch(Map<String, String> extra, String... args) {
    Map<String, String> env = new HashMap<>(Map.of("SCHEMA_MIGRATION_JAR", jar.toString(),
        "SCHEMA_MIGRATION_CDS_DIR", cds.toString(), "JAVA_HOME",
        System.getProperty("java.home")));
    env.putAll(extra);
    List<String> command = new ArrayList<>(List.of("bash",
        ProjectPaths.root().resolve("operator/src/main/dist/schema-migration").toString()));
    command.addAll(List.of(args));
    return ProcessRunner.run(work, env, Duration.ofMinutes(1), command);
  }

  private List<Path> archives() throws IOException {
    if (!Files.isDirectory(cds)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(cds)) {
      return files.filter(file -> file.getFileName().toString().endsWith(".jsa")
          && !file.getFileName().toString().startsWith(".")).toList();
    }
  }
}
