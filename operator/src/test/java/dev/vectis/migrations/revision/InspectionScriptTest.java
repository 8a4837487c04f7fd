package dev.vectis.migrations.revision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.local.LocalAlembic;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.ProjectPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inspection script run with the real Alembic, and its output parsed into the graph. */
class InspectionScriptTest {
  @Test
  void readsTheSampleProjectInLoadOrder() {
    InspectionScript.Result result = LocalAlembic.inspect(ProjectPaths.vectisAlembicDir(),
        "alembic.ini", ExternalTools.python().toString());

    assertThat(result.error()).isNull();
    assertThat(result.alembicVersion()).isEqualTo("1.8.1");
    RevisionGraph graph = result.graph();
    assertThat(graph.revisions()).extracting(Revision::id).containsExactlyInAnyOrder(
        "0f5e1c2d3a4b", "a3e2f1b8c9d4", "b7c4e9a1d2f3", "c9d8e7f6a5b4", "5731d674e022");
    assertThat(graph.heads()).containsExactly("5731d674e022");
    assertThat(graph.bases()).containsExactly("0f5e1c2d3a4b");

    Revision merge = graph.revision("c9d8e7f6a5b4");
    assertThat(merge.downRevisions()).containsExactly("a3e2f1b8c9d4", "b7c4e9a1d2f3");
    assertThat(merge.message()).isEqualTo("merge_branches");
    assertThat(merge.upgradeEmpty()).isTrue();
    assertThat(merge.downgradeEmpty()).isTrue();
    assertThat(merge.branchLabels()).as("declared labels only, not inherited").isEmpty();

    Revision audit = graph.revision("b7c4e9a1d2f3");
    assertThat(audit.branchLabels()).containsExactly("audit");
    assertThat(audit.message()).isEqualTo("add_audit_log");
    for (Revision revision : graph.revisions()) {
      if (!revision.isMerge()) {
        assertThat(revision.downgradeEmpty()).as(revision.id()).isFalse();
        assertThat(revision.upgradeEmpty()).as(revision.id()).isFalse();
      }
    }
  }

  @Test
  void anEmptyDowngradeIsDetected(@TempDir Path project) throws IOException {
    writeProject(project, """
        revision = "aaaa00000001"
        down_revision = None
        def upgrade():
            pass
        def downgrade():
            pass
        """, """
        revision = "aaaa00000002"
        down_revision = "aaaa00000001"
        def upgrade():
            import sqlalchemy
        def downgrade():
            '''Irreversible: the data is gone.'''
            ...
        """);
    InspectionScript.Result result = inspect(project);
    assertThat(result.error()).isNull();
    Revision second = result.graph().revision("aaaa00000002");
    assertThat(second.upgradeEmpty()).isFalse();
    assertThat(second.downgradeEmpty()).isTrue();
  }

  @Test
  void aBrokenDownRevisionIsAJsonError(@TempDir Path project) throws IOException {
    writeProject(project, """
        revision = "bbbb00000001"
        down_revision = "doesnotexist"
        def upgrade():
            pass
        def downgrade():
            pass
        """);
    assertThat(inspect(project).error()).startsWith("KeyError: revision doesnotexist");
  }

  @Test
  void aSyntaxErrorIsAJsonError(@TempDir Path project) throws IOException {
    writeProject(project, "revision = 'cccc00000001'\ndown_revision = None\ndef upgrade(:\n");
    assertThat(inspect(project).error()).startsWith("SyntaxError: ");
  }

  @Test
  void aMissingIniIsAJsonError(@TempDir Path project) {
    assertThat(inspect(project).error())
        .startsWith("CommandError: No config file 'alembic.ini' found");
  }

  @Test
  void outputWithoutADocumentIsReported() {
    assertThat(InspectionScript.parse("Traceback (most recent call last):\n  boom").error())
        .startsWith("the inspection printed no graph: Traceback");
  }

  private static InspectionScript.Result inspect(Path project) {
    return LocalAlembic.inspect(project, "alembic.ini", ExternalTools.python().toString());
  }

  private static void writeProject(Path project, String... revisions) throws IOException {
    Files.writeString(project.resolve("alembic.ini"), "[alembic]\nscript_location = alembic\n");
    Path versions = Files.createDirectories(project.resolve("alembic/versions"));
    int i = 0;
    for (String revision : revisions) {
      Files.writeString(versions.resolve("rev" + i++ + ".py"), revision);
    }
    assertThat(List.of(versions.toFile().list())).hasSize(revisions.length);
  }
}
