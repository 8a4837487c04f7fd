package dev.vectis.migrations.benchmarks;

import dev.vectis.migrations.local.ProcessRunner;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Local mode benchmark, not a test: local mode's commands against the bare {@code alembic}
 * command that does the same, on the sample project, against one PostgreSQL, alternating, in
 * one run. Three ways of starting local mode are timed side by side:
 *
 * <ul>
 *   <li>{@code alembic}: Debian's {@code /usr/bin/alembic};
 *   <li>{@code launcher}: {@code operator/target/schema-migration} (an AppCDS archive per
 *       command, C1 only, the serial collector) with the graph cache on;
 *   <li>{@code java -jar, no graph cache}: how local mode ran before issue 12's item 6
 *       ({@code SCHEMA_MIGRATION_GRAPH_CACHE=off}, no JVM options).
 * </ul>
 *
 * <p>Measured: {@code status} and {@code current} against {@code alembic current}; a
 * {@code migrate} with nothing to do against {@code alembic upgrade heads} (one database at
 * head); a migration to head of a fresh database against {@code alembic upgrade head} (a new
 * database per run). Each repetition runs every command once, alembic first in even and last
 * in odd repetitions; one repetition first as warm-up (it also makes the archives and the
 * graph cache, timed apart as "first run"). Timed from process start to exit. Run with
 * {@code mvn -B -Pbenchmark verify} after {@code mvn -B -DskipTests package} (it needs the jar
 * and the launcher), or just this one:
 * {@code mvn -B -Pbenchmark exec:java@local-mode-benchmark} after a test-compile.
 */
public final class LocalModeBenchmark {
  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  private final Path root;
  private final Path jar;
  private final Path launcher;
  private final Path project;
  private final Path alembicDir;
  private final Path resource;
  private final Path work;
  private final EmbeddedPostgres postgres;
  private final Map<String, List<Double>> times = new LinkedHashMap<>();
  private final Map<String, Double> firstRuns = new LinkedHashMap<>();

  private LocalModeBenchmark(Path root, Path work, EmbeddedPostgres postgres) {
    this.root = root;
    this.jar = root.resolve("operator/target/schema-migration-operator.jar");
    this.launcher = root.resolve("operator/target/schema-migration");
    this.project = root.resolve("examples/vectis-backend");
    this.alembicDir = project.resolve("vectis/backend");
    this.resource = root.resolve("examples/track-head.yaml");
    this.work = work;
    this.postgres = postgres;
  }

  public static void main(String[] args) throws Exception {
    int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    Path root = Path.of(LocalModeBenchmark.class.getResource("/").toURI()).getParent()
        .getParent().getParent();
    if (!Files.isRegularFile(root.resolve("operator/target/schema-migration-operator.jar"))
        || !Files.isExecutable(root.resolve("operator/target/schema-migration"))) {
      throw new IllegalStateException("build the jar first: mvn -B -DskipTests package");
    }
    Path work = Files.createTempDirectory("local-mode-benchmark");
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      new LocalModeBenchmark(root, work, postgres).run(repetitions);
    } finally {
      // the archives alone are about 50 MB
      try (java.util.stream.Stream<Path> files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  private void run(int repetitions) throws Exception {
    String steady = database("steady");
    check(alembic(steady, "upgrade", "head"));
    for (int i = -1; i < repetitions; i++) { // i = -1: warm-up, not counted
      boolean alembicFirst = i % 2 == 0;
      Map<String, Double> round = new LinkedHashMap<>();
      // The database at head: read-only commands and a migrate with nothing to do.
      for (boolean alembicTurn : new boolean[] {alembicFirst, !alembicFirst}) {
        if (alembicTurn) {
          round.put("alembic current", time(alembic(steady, "current")));
          round.put("alembic upgrade heads", time(alembic(steady, "upgrade", "heads")));
        } else {
          for (String how : List.of("launcher", "java -jar, no graph cache")) {
            round.put(how + ": status", time(local(how, "status", steady)));
            round.put(how + ": current", time(local(how, "current", steady)));
            round.put(how + ": migrate (nothing to do)", time(local(how, "migrate", steady)));
          }
        }
      }
      // A fresh database each: a real migration to head.
      int n = i + 1;
      for (boolean alembicTurn : new boolean[] {alembicFirst, !alembicFirst}) {
        if (alembicTurn) {
          round.put("alembic upgrade head (fresh database)",
              time(alembic(database("bare" + n), "upgrade", "head")));
        } else {
          round.put("launcher: migrate (fresh database, to head)",
              time(local("launcher", "migrate", database("launcher" + n))));
          round.put("java -jar, no graph cache: migrate (fresh database, to head)",
              time(local("java -jar, no graph cache", "migrate", database("plain" + n))));
        }
      }
      if (i < 0) {
        firstRuns.putAll(round);
      } else {
        round.forEach((name, ms) -> times.computeIfAbsent(name, k -> new ArrayList<>()).add(ms));
      }
    }
    report();
  }

  private void report() throws Exception {
    StringBuilder out = new StringBuilder();
    out.append("| command | median | min | max |\n|---|---|---|---|\n");
    times.forEach((name, values) -> out.append(String.format(Locale.ROOT,
        "| %s | %.0f ms | %.0f | %.0f |%n", name, median(values), min(values), max(values))));
    out.append("\n| comparison | ratio of medians (or difference) | median of the paired "
        + "ratios |\n|---|---|---|\n");
    for (String how : List.of("launcher", "java -jar, no graph cache")) {
      ratio(out, how + ": status", "alembic current");
      ratio(out, how + ": current", "alembic current");
      ratio(out, how + ": migrate (nothing to do)", "alembic upgrade heads");
    }
    for (String how : List.of("launcher", "java -jar, no graph cache")) {
      String ours = how + ": migrate (fresh database, to head)";
      String bare = "alembic upgrade head (fresh database)";
      List<Double> differences = new ArrayList<>();
      for (int i = 0; i < times.get(ours).size(); i++) {
        differences.add(times.get(ours).get(i) - times.get(bare).get(i));
      }
      out.append(String.format(Locale.ROOT, "| overhead of %s over %s | %+.0f ms | paired "
          + "differences: median %+.0f ms |%n", ours, bare,
          median(times.get(ours)) - median(times.get(bare)), median(differences)));
    }
    out.append("\nFirst run, caches empty (the warm-up; one sample each):\n\n");
    firstRuns.forEach((name, ms) -> out.append(String.format(Locale.ROOT, "- %s: %.0f ms%n",
        name, ms)));
    System.out.print(out);
    Path file = root.resolve("operator/target/benchmarks/local-mode.md");
    Files.createDirectories(file.getParent());
    Files.writeString(file, out);
  }

  private void ratio(StringBuilder out, String ours, String bare) {
    List<Double> paired = new ArrayList<>();
    for (int i = 0; i < times.get(ours).size(); i++) {
      paired.add(times.get(ours).get(i) / times.get(bare).get(i));
    }
    out.append(String.format(Locale.ROOT, "| %s / %s | %.2f | %.2f |%n", ours, bare,
        median(times.get(ours)) / median(times.get(bare)), median(paired)));
  }

  private ProcessRunner.Result alembic(String database, String... command) {
    List<String> line = new ArrayList<>(List.of("/usr/bin/alembic"));
    line.addAll(List.of(command));
    return timed(alembicDir, Map.of("DATABASE_URL", url(database),
        "PYTHONDONTWRITEBYTECODE", "1"), line);
  }

  private ProcessRunner.Result local(String how, String command, String database) {
    List<String> line = new ArrayList<>();
    Map<String, String> env = new HashMap<>();
    env.put("SCHEMA_MIGRATION_CDS_DIR", work.resolve("cds").toString());
    if (how.equals("launcher")) {
      line.add(launcher.toString());
      env.put("SCHEMA_MIGRATION_GRAPH_CACHE", work.resolve("graphs").toString());
    } else {
      line.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-jar", jar.toString()));
      env.put("SCHEMA_MIGRATION_GRAPH_CACHE", "off");
    }
    line.addAll(List.of(command, "-f", resource.toString(), "--project-dir",
        project.toString(), "--database-url", url(database), "--state-dir",
        work.resolve("state").toString(), "--backup-dir", work.resolve("backups").toString()));
    return timed(root, env, line);
  }

  private record Timed(ProcessRunner.Result result, double ms) {}

  private Timed last;

  private ProcessRunner.Result timed(Path directory, Map<String, String> env,
      List<String> command) {
    long start = System.nanoTime();
    ProcessRunner.Result result = ProcessRunner.run(directory, env, TIMEOUT, command);
    last = new Timed(result, (System.nanoTime() - start) / 1e6);
    return result;
  }

  /** The time of the command just run, which must have succeeded. */
  private double time(ProcessRunner.Result result) {
    check(result);
    return last.ms();
  }

  private String database(String name) throws Exception {
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    }
    return name;
  }

  private String url(String database) {
    return "postgresql://postgres@localhost:" + postgres.getPort() + "/" + database
        + "?sslmode=disable";
  }

  private static void check(ProcessRunner.Result result) {
    if (!result.succeeded()) {
      throw new IllegalStateException("failed: " + result.output());
    }
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  }

  private static double min(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
  }

  private static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }
}
