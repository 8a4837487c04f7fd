package dev.vectis.migrations.benchmarks;

import dev.vectis.migrations.local.ProcessRunner;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Guardrails benchmark, not a test: {@code lint} and {@code rehearse} on a generated
 * 300-revision Alembic project, side by side with what a team does without them in one run:
 * {@code alembic upgrade head --sql} (Alembic's own offline pass over every revision, which
 * checks nothing) for lint, and the guide's "test both directions" by hand (per revision
 * {@code alembic upgrade <rev>}, {@code downgrade -1}, {@code upgrade <rev>}, three processes,
 * no schema comparison) for rehearse. Rehearse and the by-hand loop run once each (minutes). Run after {@code mvn -B -DskipTests package}:
 * {@code mvn -B -Pbenchmark exec:java@guardrails-benchmark -Dexec.args="300 5"} (revisions,
 * lint repetitions). Writes {@code operator/target/benchmarks/guardrails.md}.
 */
public final class GuardrailsBenchmark {
  private static final Duration TIMEOUT = Duration.ofMinutes(60);
  private static final String PYTHON = "/usr/bin/python3";

  private final Path root;
  private final Path jar;
  private final Path work;
  private final Path project;
  private final Map<String, List<Double>> times = new LinkedHashMap<>();

  private GuardrailsBenchmark(Path root, Path work) {
    this.root = root;
    this.jar = root.resolve("operator/target/schema-migration-operator.jar");
    this.work = work;
    this.project = work.resolve("project");
  }

  public static void main(String[] args) throws Exception {
    int revisions = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path root = Path.of(GuardrailsBenchmark.class.getResource("/").toURI()).getParent()
        .getParent().getParent();
    if (!Files.isRegularFile(root.resolve("operator/target/schema-migration-operator.jar"))) {
      throw new IllegalStateException("build the jar first: mvn -B -DskipTests package");
    }
    Path work = Files.createTempDirectory("guardrails-benchmark");
    try {
      new GuardrailsBenchmark(root, work).run(revisions, repetitions);
    } finally {
      try (java.util.stream.Stream<Path> files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  private void run(int revisions, int repetitions) throws Exception {
    List<String> ids = GeneratedProject.write(project, revisions);
    Path alembicDir = project;
    for (int i = 0; i < repetitions; i++) {
      time("alembic upgrade head --sql (offline, checks nothing)", alembicDir,
          Map.of("DATABASE_URL", "postgresql://nobody@localhost/none"),
          List.of("/usr/bin/alembic", "upgrade", "head", "--sql"));
      time("lint (java -jar; inspects afresh every time)", root, Map.of(), ours("lint"));
    }
    time("rehearse (embedded PostgreSQL, schema compared after each step)", root,
        Map.of("SCHEMA_MIGRATION_GRAPH_CACHE", "off"), ours("rehearse"));
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      try (Connection connection = postgres.getPostgresDatabase().getConnection();
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE DATABASE by_hand");
      }
      Map<String, String> env = Map.of("DATABASE_URL",
          "postgresql://postgres@localhost:" + postgres.getPort() + "/by_hand");
      long start = System.nanoTime();
      for (String id : ids) {
        check(ProcessRunner.run(alembicDir, env, TIMEOUT, List.of("/usr/bin/alembic",
            "upgrade", id)));
        check(ProcessRunner.run(alembicDir, env, TIMEOUT, List.of("/usr/bin/alembic",
            "downgrade", "-1")));
        check(ProcessRunner.run(alembicDir, env, TIMEOUT, List.of("/usr/bin/alembic",
            "upgrade", id)));
      }
      times.put("by hand: alembic upgrade, downgrade -1, upgrade per revision (no comparison)",
          List.of((System.nanoTime() - start) / 1e6));
    }
    report(revisions);
  }

  private List<String> ours(String command) {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        jar.toString(), command, "--project-dir", project.toString(), "--python", PYTHON,
        "-o", "json");
  }

  private void time(String name, Path directory, Map<String, String> env, List<String> command) {
    long start = System.nanoTime();
    ProcessRunner.Result result = ProcessRunner.run(directory, env, TIMEOUT, command);
    double ms = (System.nanoTime() - start) / 1e6;
    check(result);
    times.computeIfAbsent(name, k -> new ArrayList<>()).add(ms);
  }

  private static void check(ProcessRunner.Result result) {
    if (result.exitCode() != 0) {
      throw new IllegalStateException("exit " + result.exitCode() + ": " + result.output());
    }
  }

  private void report(int revisions) throws IOException {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%d generated revisions; %s%n%n", revisions,
        "median (min–max) of the repetitions"));
    out.append("| what | time | runs |\n|---|---|---|\n");
    times.forEach((name, values) -> {
      List<Double> sorted = values.stream().sorted().toList();
      out.append(String.format(Locale.ROOT, "| %s | %.2f s (%.2f–%.2f) | %d |%n", name,
          sorted.get(sorted.size() / 2) / 1000, sorted.get(0) / 1000,
          sorted.get(sorted.size() - 1) / 1000, sorted.size()));
    });
    System.out.print(out);
    Path file = root.resolve("operator/target/benchmarks/guardrails.md");
    Files.createDirectories(file.getParent());
    Files.writeString(file, out);
  }

  /** A linear Alembic project whose revisions follow the conventions (lint clean). */
  static final class GeneratedProject {
    private GeneratedProject() {}

    /** Writes {@code count} revisions under {@code dir}; returns their ids, base first. */
    static List<String> write(Path dir, int count) throws IOException {
      Path versions = Files.createDirectories(dir.resolve("migrations/versions"));
      Files.writeString(dir.resolve("alembic.ini"), """
          [alembic]
          script_location = migrations
          """);
      Files.writeString(dir.resolve("migrations/env.py"), """
          import os
          from alembic import context
          from sqlalchemy import create_engine, pool

          url = os.environ.get("DATABASE_URL", "postgresql://localhost/none")
          if context.is_offline_mode():
              context.configure(url=url, literal_binds=True)
              with context.begin_transaction():
                  context.run_migrations()
          else:
              engine = create_engine(url, poolclass=pool.NullPool)
              with engine.connect() as connection:
                  context.configure(connection=connection)
                  with context.begin_transaction():
                      context.run_migrations()
          """);
      List<String> ids = new ArrayList<>();
      String down = null;
      for (int i = 0; i < count; i++) {
        String id = String.format(Locale.ROOT, "r%04d", i);
        int table = i / 3;
        String upgrade;
        String downgrade;
        switch (i % 3) {
          case 0 -> {
            upgrade = "op.create_table('t" + table + "', sa.Column('id', sa.BigInteger(), "
                + "primary_key=True), sa.Column('name', sa.String(50), nullable=False))\n    "
                + "op.create_index('ix_t" + table + "_name', 't" + table + "', ['name'])";
            downgrade = "op.drop_index('ix_t" + table + "_name', table_name='t" + table
                + "')\n    op.drop_table('t" + table + "')";
          }
          case 1 -> {
            upgrade = "op.add_column('t" + table + "', sa.Column('flag', sa.Boolean(), "
                + "nullable=False, server_default=sa.false()))";
            downgrade = "op.drop_column('t" + table + "', 'flag')";
          }
          default -> {
            upgrade = "op.create_unique_constraint('uq_t" + table + "_name', 't" + table
                + "', ['name'])";
            downgrade = "op.drop_constraint('uq_t" + table + "_name', 't" + table
                + "', type_='unique')";
          }
        }
        Files.writeString(versions.resolve(id + "_step.py"), "\"\"\"step " + i + "\"\"\"\n"
            + "from alembic import op\nimport sqlalchemy as sa\n\nrevision = '" + id + "'\n"
            + "down_revision = " + (down == null ? "None" : "'" + down + "'") + "\n"
            + "branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    " + upgrade
            + "\n\n\ndef downgrade():\n    " + downgrade + "\n");
        ids.add(id);
        down = id;
      }
      return ids;
    }
  }
}
