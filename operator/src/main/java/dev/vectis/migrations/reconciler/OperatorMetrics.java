package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
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
  private final MultiGauge info;
  private final Map<String, SchemaMigrationStatus> latest = new ConcurrentHashMap<>();

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.backupSize = DistributionSummary.builder("schemamigration.backup.size")
        .baseUnit("bytes").description("Size of verified backups").register(registry);
    this.info = MultiGauge.builder("schemamigration.info")
        .description("1 per SchemaMigration, with its current and target revision and phase")
        .register(registry);
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

  /** After every reconcile: the info series of this SchemaMigration (reconciles run in parallel). */
  synchronized void observed(SchemaMigration resource) {
    latest.put(resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName(),
        copyOf(resource));
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    latest.forEach((key, status) -> {
      int slash = key.indexOf('/');
      rows.add(MultiGauge.Row.of(Tags.of(
          "namespace", key.substring(0, slash),
          "name", key.substring(slash + 1),
          "current", status.currentRevision == null ? "" : status.currentRevision,
          "target", status.targetRevision == null ? "" : status.targetRevision,
          "phase", status.phase == null ? "" : status.phase.name()), 1));
    });
    info.register(rows, true);
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
