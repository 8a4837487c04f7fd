package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.api.ActiveJob;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.jobs.JobFactory;
import dev.vectis.migrations.plan.Action;
import dev.vectis.migrations.plan.ActionResult;
import dev.vectis.migrations.plan.DatabaseState;
import dev.vectis.migrations.plan.Decider;
import dev.vectis.migrations.plan.Decision;
import dev.vectis.migrations.plan.Inspection;
import dev.vectis.migrations.plan.Observation;
import dev.vectis.migrations.plan.Outcomes;
import dev.vectis.migrations.plan.StatusWriter;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
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
  /** How often a Ready resource re-reads its database, so Ready never outlives the truth. */
  static final Duration READY_RECHECK = Duration.ofMinutes(5);

  private final Clock clock;
  private final DatabaseObserver databases;
  private final OperatorMetrics metrics;
  private final Checkpoints checkpoints;
  private final Duration readyRecheck;

  public SchemaMigrationReconciler(Clock clock, DatabaseObserver databases,
      OperatorMetrics metrics, Checkpoints checkpoints, Duration readyRecheck) {
    this.readyRecheck = readyRecheck;
    this.clock = clock;
    this.databases = databases;
    this.metrics = metrics;
    this.checkpoints = checkpoints;
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
      if (job == null && !Boolean.TRUE.equals(status.activeJob.created)) {
        // Status was written but the Job never created (the operator stopped in between):
        // decide again; the same decision gives the same Job name.
        status.activeJob = null;
      } else if (job == null) {
        events.publish(Outcomes.finished(status, new ActionResult(ActionResult.Ending.LOST, -1,
            "", null), database.state(), generation, now()).events());
      } else if (!JobResults.finished(job)) {
        runningJob = status.activeJob.action;
        // Seen, so created: also mends a write made from a cache that had not seen it yet.
        status.activeJob.created = true;
      } else {
        Outcomes.Recorded finished = recordFinishedJob(client, resource, job, graphs, database,
            generation);
        events.publish(finished.events());
        if (finished.kind() == Outcomes.Kind.RUN_AGAIN) {
          client.batch().v1().jobs().inNamespace(namespace(resource)).resource(job)
              .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
          writeStatus(client, resource);
          return UpdateControl.<SchemaMigration>noUpdate().rescheduleAfter(backoff(status));
        }
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
      Job existing = client.batch().v1().jobs().inNamespace(namespace(resource))
          .withName(job.getMetadata().getName()).get();
      if (existing != null && JobResults.finished(existing)) {
        // The same plan ran before and its result is recorded (the database moved away and
        // back): remove that Job, then run the plan anew.
        client.batch().v1().jobs().inNamespace(namespace(resource)).resource(existing)
            .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        writeStatus(client, resource);
        return UpdateControl.<SchemaMigration>noUpdate().rescheduleAfter(Duration.ofSeconds(1));
      }
      StatusWriter.started(status, job.getMetadata().getName(), action, now());
      // Status first: a restarted operator finds the Job it was about to create.
      writeStatus(client, resource);
      checkpoints.reached(Checkpoints.Point.STATUS_WRITTEN_BEFORE_JOB, resource);
      if (existing == null) {
        if (action instanceof Action.BackUp) {
          BackupClaims.ensure(client, resource);
        }
        client.batch().v1().jobs().inNamespace(namespace(resource)).resource(job).create();
        LOG.info("{}/{}: created Job {}", namespace(resource), resource.getMetadata().getName(),
            job.getMetadata().getName());
      }
      checkpoints.reached(Checkpoints.Point.JOB_CREATED, resource);
      // From now on a missing Job means it ran and was removed, not that it never started.
      status.activeJob.created = true;
      writeStatus(client, resource);
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
    if (database.state() instanceof DatabaseState.Unusable) {
      return update.rescheduleAfter(MAX_BACKOFF); // a fixed Secret or grant needs no spec change
    }
    if (decision.state() == Decision.State.READY) {
      // Something else may move the database (another resource, a person): look again.
      return update.rescheduleAfter(readyRecheck);
    }
    return update;
  }

  /**
   * Replaces the status (PUT on the status subresource, checked against the resourceVersion
   * we read): a concurrent change makes it fail, and the reconcile is retried on fresh data.
   */
  private void writeStatus(KubernetesClient client, SchemaMigration resource) {
    SchemaMigration written = client.resource(resource).updateStatus();
    // The next write in this reconcile is checked against the version just written.
    resource.getMetadata().setResourceVersion(written.getMetadata().getResourceVersion());
    metrics.observed(resource);
  }

  /** Records a finished Job: what it means is decided by {@link Outcomes}, as in local mode. */
  private Outcomes.Recorded recordFinishedJob(KubernetesClient client,
      SchemaMigration resource, Job job, GraphCache graphs, DatabaseObserver.Observed database,
      long generation) {
    SchemaMigrationStatus status = resource.getStatus();
    ActiveJob active = status.activeJob;
    ActionResult result = JobResults.of(client, job, database.masker(),
        path -> JobFactory.backupLocation(resource, database.access(), path));
    Outcomes.Recorded recorded = Outcomes.finished(status, result, database.state(), generation,
        now());
    if (recorded.graphOutput() != null) {
      graphs.put(active.image, recorded.graphOutput());
    }
    if ("backup".equals(active.action) && recorded.kind() != Outcomes.Kind.RUN_AGAIN) {
      metrics.backupFinished(recorded.kind() == Outcomes.Kind.SUCCEEDED,
          result.backup() == null ? 0L : result.backup().sizeBytes());
    }
    if ("migrate".equals(active.action) && (recorded.kind() == Outcomes.Kind.SUCCEEDED
        || recorded.kind() == Outcomes.Kind.FAILED)) {
      metrics.migrationFinished(active.direction, recorded.kind() == Outcomes.Kind.SUCCEEDED,
          Duration.between(Instant.parse(active.startedAt), clock.instant()));
    }
    return recorded;
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

  private String now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static String namespace(SchemaMigration resource) {
    return resource.getMetadata().getNamespace();
  }
}
