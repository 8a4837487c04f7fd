package dev.vectis.migrations.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.revision.InspectionScript;
import dev.vectis.migrations.revision.Revision;
import dev.vectis.migrations.testing.ExternalTools;
import dev.vectis.migrations.testing.ProjectPaths;
import dev.vectis.migrations.testing.VectisProject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The on-disk cache of inspected graphs, with the real Alembic on real files. The Python is a
 * script that records each start and then runs Debian's python3, so "no Python started" is
 * counted, not assumed.
 */
class InspectionCacheTest {
  private static final String HEAD = "5731d674e022";

  @TempDir
  Path temp;
  private Path python;
  private Path starts;
  private InspectionCache cache;

  @BeforeEach
  void countingPython() throws IOException {
    starts = temp.resolve("python-starts");
    python = temp.resolve("python");
    Files.writeString(python, "#!/bin/sh\necho started >> '" + starts + "'\nexec "
        + ExternalTools.python() + " \"$@\"\n");
    Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwxr-xr-x"));
    cache = new InspectionCache(temp.resolve("cache"));
  }

  @Test
  void aSecondInspectionOfAnUnchangedProjectStartsNoPython() throws IOException {
    Path project = copyOfTheSample("project");

    InspectionScript.Result first = inspect(project);
    InspectionScript.Result second = inspect(project);
    ProcessRunner.Result raw = LocalAlembic.run(project.resolve("vectis/backend"), "alembic.ini",
        python.toString(), cache);

    assertThat(first.error()).isNull();
    assertThat(pythonStarts()).isEqualTo(1);
    assertThat(second.error()).isNull();
    assertThat(second.alembicVersion()).isEqualTo(first.alembicVersion());
    assertThat(second.graph().heads()).containsExactly(HEAD);
    assertThat(second.graph().revisions()).extracting(Revision::id)
        .containsExactlyElementsOf(first.graph().revisions().stream().map(Revision::id)
            .toList());
    assertThat(raw.succeeded()).isTrue();
    assertThat(InspectionScript.parse(raw.output()).graph().heads()).containsExactly(HEAD);
    assertThat(entries()).hasSize(1);
  }

  @Test
  void aPythonThatFailsAfterItsFirstStartIsNotNeededAgain() throws IOException {
    Path project = copyOfTheSample("project");
    Path once = temp.resolve("python-once");
    Files.writeString(once, "#!/bin/sh\nif [ -e '" + temp.resolve("used") + "' ]; then "
        + "echo 'second start' >&2; exit 7; fi\ntouch '" + temp.resolve("used") + "'\nexec "
        + ExternalTools.python() + " \"$@\"\n");
    Files.setPosixFilePermissions(once, PosixFilePermissions.fromString("rwxr-xr-x"));

    Path dir = project.resolve("vectis/backend");
    assertThat(LocalAlembic.inspect(dir, "alembic.ini", once.toString(), cache).error())
        .isNull();
    InspectionScript.Result again = LocalAlembic.inspect(dir, "alembic.ini", once.toString(),
        cache);

    assertThat(again.error()).isNull();
    assertThat(again.graph().heads()).containsExactly(HEAD);
  }

  @Test
  void editingARevisionFileInspectsAgain() throws IOException {
    Path project = copyOfTheSample("project");
    inspect(project);
    Path file = versions(project).resolve("5731d674e022_multi_currency.py");
    Files.writeString(file, Files.readString(file).replace("\"\"\"multi_currency",
        "\"\"\"multi_currency_renamed"));

    InspectionScript.Result edited = inspect(project);

    assertThat(pythonStarts()).isEqualTo(2);
    assertThat(edited.graph().revision(HEAD).message()).isEqualTo("multi_currency_renamed");
    inspect(project);
    assertThat(pythonStarts()).isEqualTo(2);
  }

  @Test
  void editingAlembicIniInspectsAgain() throws IOException {
    Path project = copyOfTheSample("project");
    inspect(project);
    Path ini = project.resolve("vectis/backend/alembic.ini");
    Files.writeString(ini, Files.readString(ini) + "\n# a comment\n");

    assertThat(inspect(project).error()).isNull();
    assertThat(pythonStarts()).isEqualTo(2);
  }

  @Test
  void addingARevisionInspectsAgain() throws IOException {
    Path project = copyOfTheSample("project");
    inspect(project);
    Files.writeString(versions(project).resolve("d00000000001_next.py"), VectisProject.revisionAfterHead("d00000000001", "next", "SELECT 1"));

    InspectionScript.Result added = inspect(project);

    assertThat(pythonStarts()).isEqualTo(2);
    assertThat(added.graph().heads()).containsExactly("d00000000001");
  }

  @Test
  void compiledFilesAloneDoNotInspectAgain() throws IOException {
    Path project = copyOfTheSample("project");
    inspect(project);
    Path pycache = Files.createDirectories(versions(project).resolve("__pycache__"));
    Files.writeString(pycache.resolve("0f5e1c2d3a4b_initial_schema.cpython-311.pyc"), "x");

    inspect(project);

    assertThat(pythonStarts()).isEqualTo(1);
  }

  @Test
  void aCorruptEntryIsIgnoredAndWrittenAgain() throws IOException {
    Path project = copyOfTheSample("project");
    inspect(project);
    Path entry = entries().get(0);
    Files.writeString(entry, "{\"revisions\": [{\"revision\": tru");

    InspectionScript.Result recovered = inspect(project);

    assertThat(recovered.error()).isNull();
    assertThat(recovered.graph().heads()).containsExactly(HEAD);
    assertThat(pythonStarts()).isEqualTo(2);
    assertThat(InspectionScript.parse(Files.readString(entry)).ok()).isTrue();
    inspect(project);
    assertThat(pythonStarts()).isEqualTo(2);

    Files.writeString(entry, "{\"error\": \"planted\"}\n");
    assertThat(inspect(project).error()).isNull();
    assertThat(pythonStarts()).isEqualTo(3);
  }

  @Test
  void twoProjectsDoNotShareAnEntry() throws IOException {
    Path one = copyOfTheSample("one");
    Path two = copyOfTheSample("two");
    Files.delete(versions(two).resolve("5731d674e022_multi_currency.py"));

    InspectionScript.Result first = inspect(one);
    InspectionScript.Result second = inspect(two);
    Path three = copyOfTheSample("three");
    inspect(three);

    assertThat(first.graph().heads()).containsExactly(HEAD);
    assertThat(second.graph().heads()).containsExactly("c9d8e7f6a5b4");
    assertThat(pythonStarts()).as("the same content elsewhere is another project").isEqualTo(3);
    assertThat(entries()).hasSize(3);
    assertThat(inspect(one).graph().heads()).containsExactly(HEAD);
    assertThat(inspect(two).graph().heads()).containsExactly("c9d8e7f6a5b4");
    assertThat(pythonStarts()).isEqualTo(3);
  }

  @Test
  void aFailedInspectionIsNeverCached() throws IOException {
    Path project = copyOfTheSample("project");
    Files.writeString(versions(project).resolve("e00000000001_broken.py"), """
        revision = "e00000000001"
        down_revision = "doesnotexist"
        def upgrade():
            pass
        def downgrade():
            pass
        """);

    assertThat(inspect(project).error()).contains("doesnotexist");
    assertThat(inspect(project).error()).contains("doesnotexist");

    assertThat(pythonStarts()).isEqualTo(2);
    assertThat(entries()).isEmpty();
  }

  @Test
  void versionLocationsWithHereAreHashed() throws IOException {
    Path project = temp.resolve("located");
    Path script = Files.createDirectories(project.resolve("migrations"));
    Files.writeString(script.resolve("script.py.mako"), "");
    Path first = Files.createDirectories(project.resolve("first"));
    Path second = Files.createDirectories(project.resolve("second"));
    Files.writeString(project.resolve("alembic.ini"), """
        [alembic]
        script_location = %(here)s/migrations
        version_locations = %(here)s/first %(here)s/second
        """);
    Files.writeString(first.resolve("a.py"), """
        revision = "f00000000001"
        down_revision = None
        def upgrade():
            pass
        def downgrade():
            pass
        """);
    Files.writeString(second.resolve("b.py"), """
        revision = "f00000000002"
        down_revision = "f00000000001"
        def upgrade():
            pass
        def downgrade():
            pass
        """);
    assertThat(inspect(project).graph().heads()).containsExactly("f00000000002");
    assertThat(inspect(project).error()).isNull();
    assertThat(pythonStarts()).isEqualTo(1);

    Files.writeString(second.resolve("b.py"), Files.readString(second.resolve("b.py"))
        .replace("def upgrade():\n    pass", "def upgrade():\n    print('x')"));

    assertThat(inspect(project).graph().revision("f00000000002").upgradeEmpty()).isFalse();
    assertThat(pythonStarts()).isEqualTo(2);
  }

  @Test
  void aLocationThatIsNoDirectoryIsNotCached() throws IOException {
    Path project = Files.createDirectories(temp.resolve("resource"));
    Files.writeString(project.resolve("alembic.ini"),
        "[alembic]\nscript_location = mypackage:migrations\n");
    assertThat(InspectionCache.key(project, "alembic.ini", "python3")).isEmpty();

    Files.writeString(project.resolve("alembic.ini"),
        "[alembic]\nscript_location = %(undefined)s/migrations\n");
    assertThat(InspectionCache.key(project, "alembic.ini", "python3")).isEmpty();

    Files.createDirectories(project.resolve("migrations"));
    Files.writeString(project.resolve("alembic.ini"),
        "[alembic]\nscript_location = migrations\nversion_locations = nowhere\n");
    assertThat(InspectionCache.key(project, "alembic.ini", "python3")).isEmpty();

    Files.writeString(project.resolve("alembic.ini"), "[alembic]\nscript_location = migrations\n");
    assertThat(InspectionCache.key(project, "alembic.ini", "python3")).isPresent();
  }

  @Test
  void noDirectoryMeansNoCache() throws IOException {
    Path project = copyOfTheSample("project");
    InspectionCache off = new InspectionCache(null);
    LocalAlembic.inspect(project.resolve("vectis/backend"), "alembic.ini", python.toString(),
        off);
    LocalAlembic.inspect(project.resolve("vectis/backend"), "alembic.ini", python.toString(),
        off);
    assertThat(pythonStarts()).isEqualTo(2);
  }

  @Test
  void theDirectoryComesFromTheEnvironment() {
    assertThat(InspectionCache.defaultDirectory(Map.of("SCHEMA_MIGRATION_GRAPH_CACHE", "off")))
        .isNull();
    assertThat(InspectionCache.defaultDirectory(Map.of("SCHEMA_MIGRATION_GRAPH_CACHE", "/x/y")))
        .isEqualTo(Path.of("/x/y"));
    assertThat(InspectionCache.defaultDirectory(Map.of("XDG_CACHE_HOME", "/xdg")))
        .isEqualTo(Path.of("/xdg/schema-migration/graphs"));
    assertThat(InspectionCache.defaultDirectory(Map.of())).isEqualTo(
        Path.of(System.getProperty("user.home"), ".cache/schema-migration/graphs"));
  }

  private InspectionScript.Result inspect(Path project) {
    Path dir = Files.isRegularFile(project.resolve("alembic.ini")) ? project
        : project.resolve("vectis/backend");
    return LocalAlembic.inspect(dir, "alembic.ini", python.toString(), cache);
  }

  private int pythonStarts() throws IOException {
    return Files.exists(starts) ? Files.readAllLines(starts).size() : 0;
  }

  private List<Path> entries() throws IOException {
    Path directory = cache.directory();
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(file -> file.toString().endsWith(".json")).sorted().toList();
    }
  }

  private static Path versions(Path project) {
    return project.resolve("vectis/backend/alembic/versions");
  }

  private Path copyOfTheSample(String name) throws IOException {
    return VectisProject.copy(temp.resolve(name), List.of(), Map.of());
  }
}
