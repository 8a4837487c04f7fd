package dev.vectis.migrations.database;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operator's reads of version tables go through a small pool per database and
 * credentials: a reconcile with nothing to do opens no connection, and a database that accepts
 * TCP but never answers holds one reconcile thread for a bounded time only. Pools nobody used
 * for a while are closed, and so are their connections.
 */
public final class ConnectionPools implements AutoCloseable {
  /** Each limit of one read, at the socket and in the server. */
  public record Timeouts(Duration connect, Duration socket, Duration statement) {
    public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(15));
  }

  private static final AtomicInteger POOLS = new AtomicInteger();
  private final Timeouts timeouts;
  private final Cache<ConnectionSettings, HikariDataSource> pools;

  public ConnectionPools(Timeouts timeouts, Duration unusedPoolLifetime) {
    this.timeouts = timeouts;
    this.pools = Caffeine.newBuilder()
        .expireAfterAccess(unusedPoolLifetime)
        .scheduler(Scheduler.systemScheduler())
        .removalListener((ConnectionSettings settings, HikariDataSource pool,
            RemovalCause cause) -> {
          if (pool != null) {
            pool.close();
          }
        })
        .build();
  }

  public ConnectionPools() {
    this(Timeouts.DEFAULT, Duration.ofMinutes(10));
  }

  /**
   * A connection from the pool of these settings (the settings include the password: a
   * changed Secret gets a new pool, the old one is closed when unused).
   *
   * @throws SQLException the database's own error (its SQLState kept) when no connection
   *     could be made within the connect timeout
   */
  public Connection connect(ConnectionSettings settings) throws SQLException {
    HikariDataSource pool = pools.get(settings, this::open);
    try {
      return pool.getConnection();
    } catch (SQLException e) {
      // The pool's "not available" wraps why: classify the database's own error.
      throw e.getCause() instanceof SQLException cause ? cause : e;
    }
  }

  /** Closes the pool of these settings, e.g. after they proved wrong (a password). */
  public void discard(ConnectionSettings settings) {
    pools.invalidate(settings);
  }

  /** Pools open now (for tests and metrics). */
  public long size() {
    pools.cleanUp();
    return pools.estimatedSize();
  }

  private HikariDataSource open(ConnectionSettings settings) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("db-" + POOLS.incrementAndGet());
    config.setJdbcUrl(settings.jdbcUrl());
    Properties properties = settings.jdbcProperties();
    long connectSeconds = Math.max(1, timeouts.connect().toSeconds());
    properties.setProperty("connectTimeout", Long.toString(connectSeconds));
    properties.setProperty("loginTimeout", Long.toString(connectSeconds));
    properties.setProperty("socketTimeout", Long.toString(Math.max(1,
        timeouts.socket().toSeconds())));
    properties.setProperty("options", "-c statement_timeout=" + timeouts.statement().toMillis());
    config.setDataSourceProperties(properties);
    config.setMaximumPoolSize(2);
    config.setMinimumIdle(0);
    config.setIdleTimeout(Duration.ofMinutes(2).toMillis());
    config.setMaxLifetime(Duration.ofMinutes(30).toMillis());
    // Hikari's own wait: a little longer than the driver's login timeout, so the driver's
    // error (and its SQLState) is what the caller sees.
    config.setConnectionTimeout(timeouts.connect().plusSeconds(2).toMillis());
    config.setValidationTimeout(Duration.ofSeconds(3).toMillis());
    // Created lazily: a wrong password is reported by the first read, not by the pool.
    config.setInitializationFailTimeout(-1);
    config.setReadOnly(true);
    return new HikariDataSource(config);
  }

  @Override
  public void close() {
    pools.invalidateAll();
    pools.cleanUp();
  }
}
