package dev.vectis.migrations.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.spi.FilterReply;
import dev.vectis.migrations.local.Interruption;
import java.time.Duration;
import org.slf4j.Marker;

/**
 * Logging to stderr, configured in code: no logback.xml to parse, which keeps the start of
 * short commands (plan, migrate) quick. The level comes from {@code LOG_LEVEL} (default INFO);
 * the embedded PostgreSQL's own narration is kept at WARN.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class ConsoleLogging extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n");
    encoder.start();
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("stderr");
    appender.setTarget("System.err");
    appender.setEncoder(encoder);
    appender.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(System.getenv("LOG_LEVEL"), Level.INFO));
    root.addAppender(appender);
    context.getLogger("io.zonky").setLevel(Level.WARN);
    context.addTurboFilter(new QuietAfterInterruption());
    // The operator's connection pools: their start and stop are no news.
    context.getLogger("com.zaxxer.hikari").setLevel(Level.WARN);
    // "unstable version v1alpha1" of our own CRD, on every first use of the resource type.
    context.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils")
        .setLevel(Level.ERROR);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * A Ctrl-C also ends the embedded PostgreSQL's helper processes (initdb, pg_ctl, a shell
   * script), and zonky complains with a stack trace; the run's one line says it already.
   */
  private static final class QuietAfterInterruption extends TurboFilter {
    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format,
        Object[] params, Throwable t) {
      // The signal may still be on its way to the JVM's handler when the helper has died.
      return logger.getName().startsWith("io.zonky") && level.isGreaterOrEqual(Level.WARN)
          && Interruption.requested(Duration.ofMillis(500)) ? FilterReply.DENY
          : FilterReply.NEUTRAL;
    }
  }
}
