package dev.vectis.migrations.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.testing.ProjectPaths;
import java.nio.file.Files;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * What can be checked of the container image here: no registry is reachable, so Jib cannot
 * pull the base image and build it. The profile's configuration is read from the POM instead,
 * and must agree with the chart (entry point and arguments, non-root user, port).
 */
class ContainerImageConfigurationTest {
  @Test
  void theImageProfileBuildsANonRootJre17ImageOfTheCommandLine() throws Exception {
    Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(ProjectPaths.root().resolve("operator/pom.xml").toFile());
    var xpath = XPathFactory.newInstance().newXPath();
    String jib = "//profile[id='image']//plugin[artifactId='jib-maven-plugin']/configuration";
    assertThat(xpath.evaluate(jib + "/from/image", pom)).startsWith("eclipse-temurin:17-jre");
    assertThat(xpath.evaluate(jib + "/container/mainClass", pom))
        .isEqualTo(dev.vectis.migrations.cli.Main.class.getName());
    assertThat(xpath.evaluate(jib + "/container/user", pom)).isEqualTo("65532:65532");
    assertThat(xpath.evaluate(jib + "/container/jvmFlags", pom))
        .contains("-XX:MaxRAMPercentage=75", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xss512k");
    assertThat(xpath.evaluate(jib + "/container/ports/port", pom)).isEqualTo("8080");
    assertThat(xpath.evaluate(jib + "/to/image", pom))
        .isEqualTo("ghcr.io/vectis/schema-migration-operator:${project.version}");

    String values = Files.readString(ProjectPaths.root()
        .resolve("helm/schema-migration-operator/values.yaml"));
    assertThat(values).contains("repository: ghcr.io/vectis/schema-migration-operator",
        "port: 8080");
  }
}
