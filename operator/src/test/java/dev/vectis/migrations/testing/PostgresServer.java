package dev.vectis.migrations.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A real PostgreSQL server of one major version for tests: one per major per test JVM,
 * started on first use and stopped at JVM exit, with a fresh database per
 * {@link #newDatabase()}.
 *
 * <p>By default the server is zonky's embedded PostgreSQL: 15 from the classpath (the
 * binaries local mode ships), 13, 16 and 17 from the binaries jars Maven copies into
 * {@code target/pg-binaries} (system property {@code tests.postgres.binaries}). With
 * {@code -Dtests.postgres=testcontainers} (or {@code TESTS_POSTGRES=testcontainers}) it is
 * Testcontainers' {@code postgres:<major>} instead, which needs a Docker engine: without one
 * the first test that asks for a database fails and says so.
 */
public abstract class PostgresServer {
  /** The major every test uses unless it asks for another; matches Debian's pg_dump. */
  public static final int DEFAULT_MAJOR = 15;
  /** The majors the matrix tests run against. */
  public static final List<Integer> MATRIX = List.of(13, 15, 16, 17);

  private static final Map<Integer, PostgresServer> SERVERS = new ConcurrentHashMap<>();
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final int major;

  PostgresServer(int major) {
    this.major = major;
  }

  /** The server of {@code major}, started now if this JVM has none yet. */
  public static PostgresServer of(int major) {
    if (!MATRIX.contains(major)) {
      throw new IllegalArgumentException("no PostgreSQL " + major + " for tests; one of "
          + MATRIX);
    }
    synchronized (SERVERS) {
      return SERVERS.computeIfAbsent(major, m -> {
        PostgresServer server = "testcontainers".equals(kind())
            ? new Container(m) : new Embedded(m);
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        return server;
      });
    }
  }

  /** {@code zonky} (the default) or {@code testcontainers}. */
  public static String kind() {
    String property = System.getProperty("tests.postgres");
    String value = property != null && !property.isBlank() ? property
        : System.getenv("TESTS_POSTGRES");
    value = value == null || value.isBlank() ? "zonky" : value.strip();
    if (!value.equals("zonky") && !value.equals("testcontainers")) {
      throw new IllegalStateException("tests.postgres must be zonky or testcontainers, not "
          + value);
    }
    return value;
  }

  public int major() {
    return major;
  }

  public abstract String host();

  public abstract int port();

  /** The superuser; its password is {@link #password()}. */
  public String user() {
    return "postgres";
  }

  public String password() {
    return "postgres";
  }

  /** A connection to the {@code postgres} database as the superuser. */
  public Connection admin() throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://" + host() + ":" + port()
        + "/postgres", user(), password());
  }

  abstract void stop();

  /** Creates a new, empty database. */
  public TestDatabase newDatabase() {
    String name = "t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection admin = admin(); Statement statement = admin.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name + " on PostgreSQL "
          + major, e);
    }
    return new TestDatabase(host(), port(), name, user(), password());
  }

  /**
   * A new database owned by a new role that logs in with {@code password} (see
   * {@link #createPasswordRole}): what an application's migrations usually run as, and a
   * password that, unlike the superuser's "postgres", is not a word of every message.
   */
  public TestDatabase newDatabaseOwnedBy(String role, String password) {
    createPasswordRole(role, password);
    TestDatabase db = newDatabase();
    try (Connection admin = admin(); Statement statement = admin.createStatement()) {
      statement.execute("ALTER DATABASE " + db.name() + " OWNER TO " + role);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot give " + db.name() + " to " + role, e);
    }
    return new TestDatabase(db.host(), db.port(), db.name(), role, password);
  }

  /**
   * A role that must log in with its password over TCP (the embedded server otherwise trusts
   * local connections): it lets tests see a real authentication failure.
   */
  public synchronized void createPasswordRole(String role, String password) {
    try (Connection admin = admin(); Statement statement = admin.createStatement()) {
      requirePasswords(statement, role);
      statement.execute("SET password_encryption = 'scram-sha-256'");
      boolean exists;
      try (var found = statement.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '"
          + role + "'")) {
        exists = found.next();
      }
      // An existing role may own a database of an earlier test: give it the new password.
      statement.execute((exists ? "ALTER ROLE " : "CREATE ROLE ") + role + " LOGIN PASSWORD '"
          + password + "'");
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("cannot create the password role " + role
          + " on PostgreSQL " + major, e);
    }
  }

  /** Makes the server ask {@code role} for its password. */
  abstract void requirePasswords(Statement admin, String role) throws SQLException,
      IOException;

  /** zonky's embedded PostgreSQL. */
  private static final class Embedded extends PostgresServer {
    private final EmbeddedPostgres postgres;

    Embedded(int major) {
      super(major);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
      if (major != DEFAULT_MAJOR) {
        Path jar = binariesJar(major);
        builder.setPgBinaryResolver((system, architecture) -> archive(jar, system,
            architecture));
      }
      try {
        postgres = builder.start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the embedded PostgreSQL " + major, e);
      }
    }

    private static Path binariesJar(int major) {
      String directory = System.getProperty("tests.postgres.binaries", "target/pg-binaries");
      Path jar = Path.of(directory, "postgres-" + major + ".jar");
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(jar + " is missing: the PostgreSQL " + major
            + " binaries are copied there by the maven-dependency-plugin in "
            + "generate-test-resources (run the tests through Maven)");
      }
      return jar;
    }

    /** The .txz inside the jar, read into memory (the jar is closed before zonky reads). */
    private static InputStream archive(Path jar, String system, String architecture)
        throws IOException {
      String name = ("postgres-" + system + "-" + architecture + ".txz")
          .toLowerCase(java.util.Locale.ROOT);
      try (ZipFile zip = new ZipFile(jar.toFile())) {
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
          throw new IOException(jar + " has no " + name);
        }
        try (InputStream in = zip.getInputStream(entry)) {
          return new java.io.ByteArrayInputStream(in.readAllBytes());
        }
      }
    }

    @Override
    public String host() {
      return "localhost";
    }

    @Override
    public int port() {
      return postgres.getPort();
    }

    @Override
    public Connection admin() throws SQLException {
      return postgres.getPostgresDatabase().getConnection();
    }

    @Override
    void requirePasswords(Statement admin, String role) throws SQLException, IOException {
      var hba = admin.executeQuery("SHOW hba_file");
      hba.next();
      Path file = Path.of(hba.getString(1));
      String rules = Files.readString(file);
      String rule = "host all " + role + " 127.0.0.1/32 scram-sha-256\n"
          + "host all " + role + " ::1/128 scram-sha-256\n";
      if (!rules.contains(rule)) {
        Files.writeString(file, rule + rules);
        admin.execute("SELECT pg_reload_conf()");
      }
    }

    @Override
    void stop() {
      try {
        postgres.close();
      } catch (IOException ignored) {
        // the JVM is exiting; the temporary data directory goes with it
      }
    }
  }

  /** Testcontainers' PostgreSQL: {@code postgres:<major>} on a Docker engine. */
  private static final class Container extends PostgresServer {
    private final org.testcontainers.containers.PostgreSQLContainer<?> container;

    Container(int major) {
      super(major);
      if (!org.testcontainers.DockerClientFactory.instance().isDockerAvailable()) {
        throw new IllegalStateException("tests.postgres=testcontainers, but Testcontainers "
            + "finds no Docker engine (DOCKER_HOST, /var/run/docker.sock, "
            + "~/.testcontainers.properties); run without it to use the embedded PostgreSQL");
      }
      container = new org.testcontainers.containers.PostgreSQLContainer<>(
          org.testcontainers.utility.DockerImageName.parse("postgres:" + major))
          .withUsername(user()).withPassword(password()).withDatabaseName("postgres");
      container.start();
    }

    @Override
    public String host() {
      return container.getHost();
    }

    @Override
    public int port() {
      return container.getMappedPort(5432);
    }

    @Override
    void requirePasswords(Statement admin, String role) {
      // The postgres image asks every TCP connection for its password already.
    }

    @Override
    void stop() {
      container.stop();
    }
  }
}
