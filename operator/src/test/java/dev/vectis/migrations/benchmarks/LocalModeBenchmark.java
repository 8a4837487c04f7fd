package dev.vectis.migrations.benchmarks;

import dev.vectis.migrations.local.ProcessRunner;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Local mode benchmark, not a test: {@code java -jar … migrate} to head against bare
 * {@code alembic upgrade head}, each on a fresh database of the same server, alternating, in
 * one run. The difference is what local mode costs: JVM start, inspection, the version-table
 * reads, the lock wrapper. Run with {@code mvn -B -Pbenchmark verify} after
 * {@code mvn -B -DskipTests package} (it needs the jar).
 */
public final class LocalModeBenchmark {
  public static void main(String[] args) throws Exception {
    int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    Path root = Path.of(LocalModeBenchmark.class.getResource("/").toURI()).getParent()
        .getParent().getParent();
    Path jar = root.resolve("operator/target/schema-migration-operator.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("build the jar first: mvn -B -DskipTests package");
    }
    Path project = root.resolve("examples/vectis-backend");
    Path resource = root.resolve("examples/track-head.yaml");
    double[] alembic = new double[repetitions];
    double[] local = new double[repetitions];
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      for (int i = -1; i < repetitions; i++) { // i = -1: warm-up of both, not counted
        String bare = database(postgres, "bare" + (i + 1));
        long start = System.nanoTime();
        check(ProcessRunner.run(project.resolve("vectis/backend"),
            Map.of("DATABASE_URL", url(postgres, bare), "PYTHONDONTWRITEBYTECODE", "1"),
            Duration.ofMinutes(2), List.of("/usr/bin/alembic", "upgrade", "head")));
        double bareMs = (System.nanoTime() - start) / 1e6;

        String ours = database(postgres, "local" + (i + 1));
        start = System.nanoTime();
        check(ProcessRunner.run(root, Map.of(), Duration.ofMinutes(2), List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
            jar.toString(), "migrate", "-f", resource.toString(), "--project-dir",
            project.toString(), "--database-url", url(postgres, ours), "-o", "text")));
        double localMs = (System.nanoTime() - start) / 1e6;
        if (i >= 0) {
          alembic[i] = bareMs;
          local[i] = localMs;
        }
      }
    }
    double bare = median(alembic);
    double ours = median(local);
    System.out.printf(Locale.ROOT, "| alembic upgrade head | %.0f ms | min %.0f, max %.0f |%n",
        bare, min(alembic), max(alembic));
    System.out.printf(Locale.ROOT, "| java -jar … migrate (to head) | %.0f ms | min %.0f, max "
        + "%.0f |%n", ours, min(local), max(local));
    System.out.printf(Locale.ROOT, "| overhead of local mode | %.0f ms | |%n", ours - bare);
  }

  private static String database(EmbeddedPostgres postgres, String name) throws Exception {
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    }
    return name;
  }

  private static String url(EmbeddedPostgres postgres, String database) {
    return "postgresql://postgres@localhost:" + postgres.getPort() + "/" + database
        + "?sslmode=disable";
  }

  private static void check(ProcessRunner.Result result) {
    if (!result.succeeded()) {
      throw new IllegalStateException("failed: " + result.output());
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElse(0);
  }

  private static double max(double[] values) {
    return Arrays.stream(values).max().orElse(0);
  }
}
