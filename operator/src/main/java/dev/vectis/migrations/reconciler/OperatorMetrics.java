package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's own metrics, next to JOSDK's: migrations by result and direction and their
 * duration, backups and their size, an info series per SchemaMigration (current and target
 * revision, phase), and how many are stalled.
 */
public final class OperatorMetrics {
  private final MeterRegistry registry;
  private final DistributionSummary backupSize;
  private static final String INFO = "schemamigration.info";
  private final Map<String, Meter.Id> infoSeries = new ConcurrentHashMap<>();
  private final Map<String, SchemaMigrationStatus> latest = new ConcurrentHashMap<>();

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.backupSize = DistributionSummary.builder("schemamigration.backup.size")
        .baseUnit("bytes").description("Size of verified backups").register(registry);
    Gauge.builder("schemamigration.stalled", latest, statuses -> statuses.values().stream()
            .filter(OperatorMetrics::stalled).count())
        .description("SchemaMigrations that need a person (Stalled=True)").register(registry);
  }

  void migrationFinished(String direction, boolean succeeded, Duration duration) {
    Tags tags = Tags.of("direction", direction, "result", succeeded ? "succeeded" : "failed");
    Counter.builder("schemamigration.migrations").description("Finished migration Jobs")
        .tags(tags).register(registry).increment();
    Timer.builder("schemamigration.migration.duration").description("Migration Job run time")
        .tags(tags).publishPercentileHistogram().register(registry).record(duration);
  }

  void backupFinished(boolean succeeded, long sizeBytes) {
    Counter.builder("schemamigration.backups").description("Finished backup Jobs")
        .tag("result", succeeded ? "succeeded" : "failed").register(registry).increment();
    if (succeeded) {
      backupSize.record(sizeBytes);
    }
  }

  /**
   * After every status write: the info series of this SchemaMigration (reconciles run in
   * parallel). A series is replaced only when its labels change: O(1) per write.
   */
  synchronized void observed(SchemaMigration resource) {
    String key = resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    SchemaMigrationStatus status = copyOf(resource);
    latest.put(key, status);
    Tags tags = Tags.of(
        "namespace", resource.getMetadata().getNamespace(),
        "name", resource.getMetadata().getName(),
        "current", status.currentRevision == null ? "" : status.currentRevision,
        "target", status.targetRevision == null ? "" : status.targetRevision,
        "phase", status.phase == null ? "" : status.phase.name());
    Meter.Id previous = infoSeries.get(key);
    if (previous != null && Tags.of(previous.getTags()).equals(tags)) {
      return;
    }
    if (previous != null) {
      registry.remove(previous);
    }
    infoSeries.put(key, Gauge.builder(INFO, () -> 1)
        .description("1 per SchemaMigration, with its current and target revision and phase")
        .tags(tags).register(registry).getId());
  }

  /** A deleted SchemaMigration: its series go. */
  synchronized void forget(String namespace, String name) {
    String key = namespace + "/" + name;
    latest.remove(key);
    Meter.Id series = infoSeries.remove(key);
    if (series != null) {
      registry.remove(series);
    }
  }

  private static SchemaMigrationStatus copyOf(SchemaMigration resource) {
    SchemaMigrationStatus status = resource.getStatus();
    SchemaMigrationStatus copy = new SchemaMigrationStatus();
    copy.currentRevision = status.currentRevision;
    copy.targetRevision = status.targetRevision;
    copy.phase = status.phase;
    copy.conditions = status.conditions == null ? List.of() : List.copyOf(status.conditions);
    return copy;
  }

  private static boolean stalled(SchemaMigrationStatus status) {
    return status.conditions.stream().anyMatch(c -> "Stalled".equals(c.getType())
        && "True".equals(c.getStatus()));
  }
}
