package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.api.ActiveJob;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.jobs.JobFactory;
import dev.vectis.migrations.jobs.MigrationOutput;
import dev.vectis.migrations.plan.Action;
import dev.vectis.migrations.plan.DatabaseState;
import dev.vectis.migrations.plan.Decider;
import dev.vectis.migrations.plan.Decision;
import dev.vectis.migrations.plan.Inspection;
import dev.vectis.migrations.plan.Observation;
import dev.vectis.migrations.plan.Reasons;
import dev.vectis.migrations.plan.StatusWriter;
import dev.vectis.migrations.revision.InspectionScript;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin JOSDK adapter: observe (the CR, its active Job, the cached revision graphs, the
 * database), ask {@link Decider}, act (status first, then the Job). It never waits for a Job:
 * the Job informer brings it back when the Job changes.
 */
public final class SchemaMigrationReconciler implements Reconciler<SchemaMigration> {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrationReconciler.class);
  /** How often to look again while waiting for the database (kept short, then backed off). */
  static final Duration DATABASE_RETRY = Duration.ofSeconds(10);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final Clock clock;
  private final DatabaseObserver databases;
  private final OperatorMetrics metrics;

  public SchemaMigrationReconciler(Clock clock, DatabaseObserver databases,
      OperatorMetrics metrics) {
    this.clock = clock;
    this.databases = databases;
    this.metrics = metrics;
  }

  @Override
  public List<EventSource<?, SchemaMigration>> prepareEventSources(
      EventSourceContext<SchemaMigration> context) {
    var jobs = InformerEventSourceConfiguration.from(Job.class, SchemaMigration.class)
        .withLabelSelector(JobFactory.MANAGED_BY + "=" + JobFactory.OPERATOR)
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(SchemaMigration.class))
        .build();
    return List.of(new InformerEventSource<>(jobs, context));
  }

  @Override
  public UpdateControl<SchemaMigration> reconcile(SchemaMigration resource,
      Context<SchemaMigration> context) {
    KubernetesClient client = context.getClient();
    if (resource.getStatus() == null) {
      resource.setStatus(new SchemaMigrationStatus());
    }
    SchemaMigrationStatus status = resource.getStatus();
    String statusBefore = Serialization.asJson(status);
    long generation = resource.getMetadata().getGeneration();
    Events events = new Events(client, resource);
    GraphCache graphs = new GraphCache(client, resource);

    DatabaseObserver.Observed database = databases.observe(client, resource);
    String runningJob = null;
    if (status.activeJob != null) {
      Job job = client.batch().v1().jobs().inNamespace(namespace(resource))
          .withName(status.activeJob.name).get();
      if (job == null) {
        // Status was written but the Job never created (the operator stopped in between):
        // decide again; the same decision gives the same Job name.
        status.activeJob = null;
      } else if (!finished(job)) {
        runningJob = status.activeJob.action;
      } else {
        String log = JobLogs.read(client, job);
        if (!succeeded(job) && log.isBlank()) {
          return retryJobThatNeverRan(client, resource, job, events);
        }
        events.publish(recordFinishedJob(resource, job, log, graphs, database, generation));
      }
    }

    Inspection specImage = graphs.get(resource.getSpec().image);
    String applied = status.appliedImage;
    Inspection appliedImage = applied == null || applied.equals(resource.getSpec().image)
        ? Inspection.unknown() : graphs.get(applied);
    Decision decision = Decider.decide(new Observation(generation, resource.getSpec(), status,
        runningJob, specImage, appliedImage, database.state()));
    List<String> rows = database.state() instanceof DatabaseState.Rows r ? r.rows() : null;
    events.publish(StatusWriter.apply(status, decision, generation, rows, now()));

    Action action = decision.action();
    if (!(action instanceof Action.None)) {
      Job job = jobFor(resource, action, database);
      if (job == null) {
        writeStatus(client, resource);
        return UpdateControl.<SchemaMigration>noUpdate().rescheduleAfter(DATABASE_RETRY);
      }
      StatusWriter.started(status, job.getMetadata().getName(), action, now());
      // Status first: a restarted operator finds the Job it was about to create.
      writeStatus(client, resource);
      if (client.batch().v1().jobs().inNamespace(namespace(resource))
          .withName(job.getMetadata().getName()).get() == null) {
        if (action instanceof Action.BackUp) {
          BackupClaims.ensure(client, resource);
        }
        client.batch().v1().jobs().inNamespace(namespace(resource)).resource(job).create();
        LOG.info("{}/{}: created Job {}", namespace(resource), resource.getMetadata().getName(),
            job.getMetadata().getName());
      }
      return UpdateControl.noUpdate();
    }
    if (!Serialization.asJson(status).equals(statusBefore)) {
      writeStatus(client, resource);
    }
    metrics.observed(resource);
    UpdateControl<SchemaMigration> update = UpdateControl.noUpdate();
    if (decision.state() == Decision.State.RECONCILING && runningJob == null) {
      return update.rescheduleAfter(backoff(status));
    }
    return update;
  }

  /**
   * Replaces the status (PUT on the status subresource, checked against the resourceVersion
   * we read): a concurrent change makes it fail, and the reconcile is retried on fresh data.
   */
  private void writeStatus(KubernetesClient client, SchemaMigration resource) {
    client.resource(resource).updateStatus();
    metrics.observed(resource);
  }

  /**
   * A Job that failed before its container printed anything (the pod was evicted, or the image
   * could not be pulled) says nothing about the migration: it is a transient fault. The Job is
   * removed and, after a delay that grows while it lasts, created again under the same name.
   */
  private UpdateControl<SchemaMigration> retryJobThatNeverRan(KubernetesClient client,
      SchemaMigration resource, Job job, Events events) {
    SchemaMigrationStatus status = resource.getStatus();
    String message = "the " + status.activeJob.action + " Job " + job.getMetadata().getName()
        + " failed before its container ran (evicted, or its image could not be pulled); it "
        + "will be created again";
    client.batch().v1().jobs().inNamespace(namespace(resource)).resource(job)
        .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
        .delete();
    status.activeJob = null;
    events.publish(List.of("Reconciling/JobNotStarted: " + message));
    writeStatus(client, resource);
    return UpdateControl.<SchemaMigration>noUpdate().rescheduleAfter(backoff(status));
  }

  /** Turns a finished Job into status: its result, or the failure a person must look at. */
  private List<String> recordFinishedJob(SchemaMigration resource, Job job, String log,
      GraphCache graphs, DatabaseObserver.Observed database, long generation) {
    SchemaMigrationStatus status = resource.getStatus();
    ActiveJob active = status.activeJob;
    boolean succeeded = succeeded(job);
    String deadline = deadlineExceeded(job) ? " (killed at its deadline of "
        + job.getSpec().getActiveDeadlineSeconds() + "s)" : "";
    switch (active.action) {
      case "inspect" -> {
        InspectionScript.Result result = InspectionScript.parse(log);
        if (succeeded && result.ok()) {
          graphs.put(active.image, log);
          status.activeJob = null;
          return List.of();
        }
        return StatusWriter.failed(status, Reasons.INSPECTION_FAILED, "inspecting "
            + active.image + " failed" + deadline + ": " + (result.ok() ? tail(log)
                : result.error()), generation, now());
      }
      case "backup" -> {
        Optional<BackupScript.Result> result = BackupScript.parse(log);
        metrics.backupFinished(succeeded && result.isPresent(),
            result.map(BackupScript.Result::sizeBytes).orElse(0L));
        if (succeeded && result.isPresent()) {
          String location = JobFactory.backupLocation(resource, database.access(),
              result.get().path());
          StatusWriter.backedUp(status, location, result.get().sizeBytes(),
              result.get().sha256(), Decider.split(active.from), generation, now());
          return List.of("Normal/BackupCompleted: " + result.get().path());
        }
        return StatusWriter.failed(status, Reasons.BACKUP_FAILED, "the backup Job "
            + job.getMetadata().getName() + " failed" + deadline + ": "
            + database.masker().mask(tail(log)), generation, now());
      }
      case "seed" -> {
        if (succeeded) {
          StatusWriter.seeded(status, Decider.split(active.from), now());
          return List.of("Normal/Seeded: " + active.from);
        }
        return StatusWriter.failed(status, Reasons.SEED_FAILED, "the seed failed" + deadline
            + ": " + MigrationOutput.failureSummary(log, database.masker()), generation, now());
      }
      default -> {
        metrics.migrationFinished(active.direction, succeeded, Duration.between(
            Instant.parse(active.startedAt), clock.instant()));
        if (!succeeded) {
          return StatusWriter.failed(status, Reasons.MIGRATION_FAILED, "alembic "
              + active.direction + " " + active.target + " failed" + deadline + ": "
              + MigrationOutput.failureSummary(log, database.masker()), generation, now());
        }
        if (!(database.state() instanceof DatabaseState.Rows rows)) {
          // Verified on the next reconcile, when the database answers again.
          return List.of();
        }
        Action.Migrate migrate = new Action.Migrate("upgrade".equals(active.direction),
            active.target, active.image, Decider.split(active.from), Decider.split(active.to),
            List.of());
        return StatusWriter.migrated(status, migrate, job.getMetadata().getName(),
            active.startedAt, rows.rows(), generation, now());
      }
    }
  }

  private Job jobFor(SchemaMigration resource, Action action,
      DatabaseObserver.Observed database) {
    if (action instanceof Action.Inspect inspect) {
      return JobFactory.inspect(resource, inspect.image());
    }
    if (database.access() == null) {
      return null;
    }
    if (action instanceof Action.BackUp backUp) {
      String image = resource.getSpec().backup.image != null ? resource.getSpec().backup.image
          : "postgres:" + database.serverMajor() + "-alpine";
      return JobFactory.backup(resource, backUp, database.access(), image,
          JobFactory.backupClaim(resource));
    }
    if (action instanceof Action.Migrate migrate) {
      return JobFactory.migrate(resource, migrate, database.access());
    }
    return JobFactory.seed(resource, (Action.Seed) action, database.access());
  }

  /**
   * Wait about as long as it has been waiting already (at least 10 s, at most 5 minutes): the
   * delays double without a counter to keep.
   */
  private Duration backoff(SchemaMigrationStatus status) {
    Duration waited = Duration.ZERO;
    if (status.conditions != null) {
      for (var condition : status.conditions) {
        if (StatusWriter.RECONCILING.equals(condition.getType())
            && condition.getLastTransitionTime() != null) {
          waited = Duration.between(Instant.parse(condition.getLastTransitionTime()),
              clock.instant());
        }
      }
    }
    Duration delay = waited.compareTo(DATABASE_RETRY) < 0 ? DATABASE_RETRY : waited;
    return delay.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : delay;
  }

  static boolean finished(Job job) {
    return condition(job, "Complete") || condition(job, "Failed");
  }

  private static boolean succeeded(Job job) {
    return condition(job, "Complete");
  }

  private static boolean deadlineExceeded(Job job) {
    return job.getStatus() != null && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream().anyMatch(c -> "Failed".equals(c.getType())
            && "DeadlineExceeded".equals(c.getReason()));
  }

  private static boolean condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return false;
    }
    for (JobCondition condition : job.getStatus().getConditions()) {
      if (type.equals(condition.getType()) && "True".equals(condition.getStatus())) {
        return true;
      }
    }
    return false;
  }

  private static String tail(String log) {
    String trimmed = log.strip();
    return trimmed.length() > 600 ? "…" + trimmed.substring(trimmed.length() - 600) : trimmed;
  }

  private String now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static String namespace(SchemaMigration resource) {
    return resource.getMetadata().getNamespace();
  }
}
