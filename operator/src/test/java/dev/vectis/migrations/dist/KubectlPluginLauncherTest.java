package dev.vectis.migrations.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.local.ProcessRunner;
import dev.vectis.migrations.testing.ProjectPaths;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubectl plugin (src/main/dist/kubectl-smig) installed as the README says: beside the
 * launcher and the jar, found on PATH (as kubectl finds plugins), also through a symlink; it
 * runs the jar's {@code smig} group with kubectl's arguments, exit codes passed through.
 */
class KubectlPluginLauncherTest {
  private static final Path DIST = ProjectPaths.root().resolve("operator/src/main/dist");

  @TempDir Path work;
  private Path install;

  @BeforeEach
  void install() throws IOException {
    install = Files.createDirectories(work.resolve("opt/schema-migration"));
    for (String script : List.of("kubectl-smig", "schema-migration")) {
      Files.copy(DIST.resolve(script), install.resolve(script),
          StandardCopyOption.COPY_ATTRIBUTES);
    }
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, ArgsProbe.class.getName());
    String entry = ArgsProbe.class.getName().replace('.', '/') + ".class";
    try (OutputStream file = Files.newOutputStream(install.resolve(
        "schema-migration-operator.jar")); JarOutputStream out = new JarOutputStream(file,
        manifest)) {
      out.putNextEntry(new JarEntry(entry));
      try (var in = ArgsProbe.class.getResourceAsStream("/" + entry)) {
        in.transferTo(out);
      }
      out.closeEntry();
    }
  }

  @Test
  void theScriptsAreExecutableInTheSourceTree() {
    assertThat(Files.isExecutable(DIST.resolve("kubectl-smig"))).isTrue();
    assertThat(Files.isExecutable(DIST.resolve("schema-migration"))).isTrue();
  }

  @Test
  void onPathItRunsTheSmigGroupWithKubectlsArguments() {
    ProcessRunner.Result run = onPath(install, "kubectl-smig status -A -o wide");
    assertThat(run.output()).isEqualTo("args: smig status -A -o wide (as kubectl)\n");
    assertThat(run.exitCode()).as("the jar's exit code").isEqualTo(5);
  }

  @Test
  void aSymlinkOnPathFindsTheLauncherBesideTheRealScript() throws IOException {
    Path bin = Files.createDirectories(work.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("kubectl-smig"), install.resolve("kubectl-smig"));
    ProcessRunner.Result run = onPath(bin, "kubectl-smig wait shop/app --timeout 1m");
    assertThat(run.output()).isEqualTo("args: smig wait shop/app --timeout 1m (as kubectl)\n");
  }

  @Test
  void withoutTheLauncherBesideItItSaysHowToInstallInOneLine() throws IOException {
    Path alone = Files.createDirectories(work.resolve("alone"));
    Files.copy(DIST.resolve("kubectl-smig"), alone.resolve("kubectl-smig"),
        StandardCopyOption.COPY_ATTRIBUTES);
    ProcessRunner.Result run = onPath(alone, "kubectl-smig status");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.output().strip()).startsWith("kubectl-smig: no schema-migration launcher")
        .doesNotContain("\n");
  }

  private ProcessRunner.Result onPath(Path directory, String commandLine) {
    Map<String, String> env = Map.of("PATH", directory + ":/usr/bin:/bin",
        "SCHEMA_MIGRATION_CDS", "off", "JAVA_HOME", System.getProperty("java.home"));
    return ProcessRunner.run(work, env, Duration.ofMinutes(1), List.of("bash", "-c",
        commandLine));
  }
}
