package dev.vectis.migrations.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.local.InspectionCache;
import dev.vectis.migrations.local.ValidatedDocuments;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file checked against the CRD once is not checked again while it and the validator's jar
 * are unchanged (local/ValidatedDocuments). Outside a jar the cache is off; these tests name
 * the validator's code with a system property instead, a new one per test.
 */
class CheckedDocumentsTest {
  @TempDir Path work;
  private String marker;

  @BeforeEach
  void stamp() {
    marker = UUID.randomUUID().toString().substring(0, 8);
    System.setProperty(ValidatedDocuments.CODE_STAMP_PROPERTY, "test " + marker);
  }

  @AfterEach
  void noStamp() {
    System.clearProperty(ValidatedDocuments.CODE_STAMP_PROPERTY);
  }

  private Path file(String... specLines) throws IOException {
    StringBuilder yaml = new StringBuilder("""
        apiVersion: migrations.vectis.dev/v1alpha1
        kind: SchemaMigration
        metadata: {name: checked, namespace: shop}
        spec:
          database: {secretRef: {name: vectis-db-app}}
        """).append("  image: registry.example.com/").append(marker).append(":1\n");
    for (String line : specLines) {
      yaml.append("  ").append(line).append('\n');
    }
    return Files.writeString(work.resolve("smig.yaml"), yaml);
  }

  @Test
  void aCheckedDocumentIsTakenAsCheckedUntilTheFileChanges() throws Exception {
    Path file = file("jobDeadlineSeconds:", "backup: {retain: 7}");
    SchemaMigration first = ResourceFile.read(file, null);
    assertThat(first.getSpec().jobDeadlineSeconds).as("null dropped, default").isEqualTo(3600);
    Path entry = entry();
    assertThat(Files.readString(entry)).doesNotContain("jobDeadlineSeconds");

    // What the entry says is what is used: proof that nothing was checked again.
    Files.writeString(entry, Files.readString(entry).replace("\"retain\":7", "\"retain\":9"));
    assertThat(ResourceFile.read(file, null).getSpec().backup.retain).isEqualTo(9);

    Files.writeString(file, Files.readString(file).replace("retain: 7", "retain: 8"));
    assertThat(ResourceFile.read(file, null).getSpec().backup.retain).isEqualTo(8);
  }

  @Test
  void anUnreadableEntryIsCheckedAgain() throws Exception {
    Path file = file("backup: {retain: 7}");
    ResourceFile.read(file, null);
    Files.writeString(entry(), "{not json " + marker + "}");

    assertThat(ResourceFile.read(file, null).getSpec().backup.retain).isEqualTo(7);
    assertThat(Files.readString(entry())).contains("\"retain\":7");
  }

  @Test
  void aDocumentWithProblemsIsNeverKept() throws Exception {
    Path file = file("backup: {retain: 0}");
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> ResourceFile.read(file, null))
          .isInstanceOf(ResourceFile.InvalidInput.class)
          .hasMessageContaining("spec.backup.retain");
    }
    assertThat(entries()).isEmpty();
  }

  @Test
  void flagsArePartOfTheDocument() throws Exception {
    Path file = file();
    ResourceFile.read(file, null);
    assertThatThrownBy(() -> ResourceFile.read(file, null,
        tree -> ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("spec"))
            .put("targetRevision", "not a target!")))
        .isInstanceOf(ResourceFile.InvalidInput.class)
        .hasMessageContaining("spec.targetRevision");
  }

  @Test
  void withoutAJarOrAStampNothingIsKept() throws Exception {
    System.clearProperty(ValidatedDocuments.CODE_STAMP_PROPERTY);
    ResourceFile.read(file(), null);
    assertThat(entries()).isEmpty();
  }

  private Path entry() throws IOException {
    assertThat(entries()).hasSize(1);
    return entries().get(0);
  }

  /** This test's entries: the documents that hold its marker. */
  private List<Path> entries() throws IOException {
    Path graphs = InspectionCache.defaultDirectory(System.getenv());
    Path directory = graphs == null ? null : graphs.resolve("documents");
    if (directory == null || !Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(file -> {
        try {
          return Files.readString(file).contains(marker);
        } catch (IOException e) {
          return false;
        }
      }).toList();
    }
  }
}
