package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.api.ActiveJob;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.database.SecretMasker;
import dev.vectis.migrations.jobs.JobFactory;
import dev.vectis.migrations.plan.Action;
import dev.vectis.migrations.plan.ActionResult;
import dev.vectis.migrations.plan.Approvals;
import dev.vectis.migrations.plan.DatabaseState;
import dev.vectis.migrations.plan.Decider;
import dev.vectis.migrations.plan.Decision;
import dev.vectis.migrations.plan.Diagnoses;
import dev.vectis.migrations.plan.Inspection;
import dev.vectis.migrations.plan.Observation;
import dev.vectis.migrations.plan.Outcomes;
import dev.vectis.migrations.plan.StatusWriter;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin JOSDK adapter: observe (the CR, its active Job, the cached revision graphs, the
 * database), ask {@link Decider}, act (status first, then the Job). It never waits for a Job:
 * the Job informer brings it back when the Job changes. Jobs, Secrets and graph ConfigMaps are
 * read from informers; Events and metrics follow a status write that succeeded.
 */
public final class SchemaMigrationReconciler implements Reconciler<SchemaMigration> {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrationReconciler.class);
  /** How often to look again while waiting for the database (kept short, then backed off). */
  static final Duration DATABASE_RETRY = Duration.ofSeconds(10);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
  /** How often a Ready resource re-reads its database, so Ready never outlives the truth. */
  static final Duration READY_RECHECK = Duration.ofMinutes(5);
  /** The index of SchemaMigrations by the Secret they read ("namespace/name"). */
  private static final String BY_SECRET = "secret";

  private final Clock clock;
  private final DatabaseObserver databases;
  private final OperatorMetrics metrics;
  private final Checkpoints checkpoints;
  private final Duration readyRecheck;
  private final GraphCache graphs = new GraphCache();
  private InformerEventSource<Job, SchemaMigration> jobs;
  private InformerEventSource<Secret, SchemaMigration> secrets;
  private InformerEventSource<ConfigMap, SchemaMigration> graphMaps;

  public SchemaMigrationReconciler(Clock clock, DatabaseObserver databases,
      OperatorMetrics metrics, Checkpoints checkpoints, Duration readyRecheck) {
    this.clock = clock;
    this.databases = databases;
    this.metrics = metrics;
    this.checkpoints = checkpoints;
    this.readyRecheck = readyRecheck;
  }

  @Override
  public List<EventSource<?, SchemaMigration>> prepareEventSources(
      EventSourceContext<SchemaMigration> context) {
    context.getPrimaryCache().addIndexer(BY_SECRET, resource -> {
      String secret = DatabaseObserver.secretName(resource);
      return secret == null ? List.of()
          : List.of(secretKey(resource.getMetadata().getNamespace(), secret));
    });
    jobs = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(Job.class, SchemaMigration.class)
        .withLabelSelector(JobFactory.MANAGED_BY + "=" + JobFactory.OPERATOR)
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(SchemaMigration.class))
        .build(), context);
    graphMaps = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(ConfigMap.class, SchemaMigration.class)
        .withLabelSelector(GraphCache.COMPONENT_LABEL + "=" + GraphCache.COMPONENT)
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(SchemaMigration.class))
        .build(), context);
    // A changed Secret (a fixed password, another database) is acted on at once.
    secrets = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(Secret.class, SchemaMigration.class)
        .withSecondaryToPrimaryMapper(secret -> context.getPrimaryCache()
            .byIndex(BY_SECRET, secretKey(secret.getMetadata().getNamespace(),
                secret.getMetadata().getName()))
            .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
        .withPrimaryToSecondaryMapper((SchemaMigration resource) -> {
          String secret = DatabaseObserver.secretName(resource);
          return secret == null ? Set.of()
              : Set.of(new ResourceID(secret, resource.getMetadata().getNamespace()));
        })
        .build(), context);
    return List.of(jobs, graphMaps, secrets);
  }

  /** The plan hash a person approved with the approve annotation, or null. */
  static String approvedPlan(SchemaMigration resource) {
    var annotations = resource.getMetadata().getAnnotations();
    String value = annotations == null ? null
        : annotations.get(SchemaMigration.APPROVE_ANNOTATION);
    return value == null ? null : value.strip();
  }

  /**
   * Which updates of a SchemaMigration are worth a reconcile: a new generation (a spec
   * change), a new approval (an annotation, which does not change the generation), or its
   * deletion. Its own status writes are not.
   */
  static boolean worthReconciling(SchemaMigration updated, SchemaMigration before) {
    Long generation = updated.getMetadata().getGeneration();
    Long previous = before.getMetadata().getGeneration();
    return generation == null || previous == null || generation > previous
        || !java.util.Objects.equals(approvedPlan(updated), approvedPlan(before))
        || updated.isMarkedForDeletion();
  }

  @Override
  public UpdateControl<SchemaMigration> reconcile(SchemaMigration resource,
      Context<SchemaMigration> context) {
    try {
      return observeDecideAct(resource, context);
    } catch (RuntimeException e) {
      throw masked(e);
    }
  }

  /**
   * What escapes a reconcile is logged by JOSDK and written to the status: only a masked
   * message leaves (an API server or a driver may echo a URL with its password), with the
   * stack of where it happened.
   */
  static OperatorException masked(RuntimeException error) {
    OperatorException masked = new OperatorException(error.getClass().getSimpleName() + ": "
        + SecretMasker.generic().mask(String.valueOf(error.getMessage())));
    masked.setStackTrace(error.getStackTrace());
    return masked;
  }

  private UpdateControl<SchemaMigration> observeDecideAct(SchemaMigration resource,
      Context<SchemaMigration> context) {
    KubernetesClient client = context.getClient();
    if (resource.getStatus() == null) {
      resource.setStatus(new SchemaMigrationStatus());
    }
    SchemaMigrationStatus status = resource.getStatus();
    String statusBefore = Serialization.asJson(status);
    long generation = resource.getMetadata().getGeneration();
    Effects effects = new Effects(new Events(client, resource));
    String namespace = namespace(resource);
    List<ConfigMap> stored = new ArrayList<>(context.getSecondaryResources(ConfigMap.class));

    DatabaseObserver.Observed database = databases.observe(resource,
        name -> secrets.get(new ResourceID(name, namespace)).orElse(null));
    DatabaseObserver.Scratch scratch = DatabaseObserver.scratch(resource,
        name -> secrets.get(new ResourceID(name, namespace)).orElse(null), database.access());
    String runningJob = null;
    if (status.activeJob != null) {
      boolean created = Boolean.TRUE.equals(status.activeJob.created);
      Job job = job(client, namespace, status.activeJob.name, created);
      if (job == null && !created) {
        // Status was written but the Job never created (the operator stopped in between):
        // decide again; the same decision gives the same Job name.
        status.activeJob = null;
      } else if (job == null) {
        effects.transitions.addAll(Outcomes.finished(status, new ActionResult(
            ActionResult.Ending.LOST, -1, "", null), database.state(), generation, now(),
            Outcomes.historyLimit(resource.getSpec())).events());
      } else if (!JobResults.finished(job)) {
        runningJob = status.activeJob.action;
        // Seen, so created: also mends a write made from a cache that had not seen it yet.
        status.activeJob.created = true;
      } else {
        Outcomes.Recorded finished = recordFinishedJob(client, resource, job, stored, database,
            scratch, generation, effects);
        effects.transitions.addAll(finished.events());
        if (finished.kind() == Outcomes.Kind.RUN_AGAIN) {
          client.batch().v1().jobs().inNamespace(namespace).resource(job)
              .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
          writeStatus(context, resource, effects);
          return UpdateControl.<SchemaMigration>noUpdate().rescheduleAfter(backoff(status));
        }
      }
    }

    Inspection specImage = graphs.get(stored, resource.getSpec().image);
    String applied = status.appliedImage;
    Inspection appliedImage = applied == null || applied.equals(resource.getSpec().image)
        ? Inspection.unknown() : graphs.get(stored, applied);
    Observation observation = new Observation(generation, resource.getSpec(), status,
        runningJob, specImage, appliedImage, database.state(),
        scratch == null ? null : scratch.state(), approvedPlan(resource))
        .onDatabase(database.access() == null ? null : dev.vectis.migrations.database
            .DatabaseIdentity.of(database.access().settings()).key());
    // Only for a diagnosis: the other cached graphs, the database's tables.
    if (Diagnoses.needsCachedImages(observation)) {
      Set<String> excluded = new HashSet<>(Set.of(resource.getSpec().image));
      if (applied != null) {
        excluded.add(applied);
      }
      observation = observation.withCachedImages(graphs.others(stored, excluded));
    }
    if (Diagnoses.needsExistingTables(observation)) {
      observation = observation.withExistingTables(databases.existingTables(database));
    }
    Decision decision = Decider.decide(observation);
    List<String> rows = database.state() instanceof DatabaseState.Rows r ? r.rows() : null;
    effects.transitions.addAll(StatusWriter.apply(status, decision, generation, rows, now()));

    Action action = decision.action();
    if (!(action instanceof Action.None)) {
      return createJob(context, resource, decision, database, scratch, effects);
    }
    if (!Serialization.asJson(status).equals(statusBefore)) {
      writeStatus(context, resource, effects);
    }
    UpdateControl<SchemaMigration> update = UpdateControl.noUpdate();
    if (decision.state() == Decision.State.RECONCILING && runningJob == null) {
      return update.rescheduleAfter(backoff(status));
    }
    if (database.state() instanceof DatabaseState.Unusable
        || decision.reason().isFixedInTheDatabase()) {
      // A fixed Secret comes as an event; a fixed grant or table is found by this re-check.
      return update.rescheduleAfter(MAX_BACKOFF);
    }
    if (decision.state() == Decision.State.READY
        || decision.state() == Decision.State.AWAITING_APPROVAL) {
      // Something else may move the database (another resource, a person): look again, so
      // neither Ready nor a waiting plan outlives the truth.
      // Spread over ±10 %: resources that got Ready together do not all look at once.
      return update.rescheduleAfter(Duration.ofMillis(Math.round(readyRecheck.toMillis()
          * (0.9 + 0.2 * ThreadLocalRandom.current().nextDouble()))));
    }
    return update;
  }

  private UpdateControl<SchemaMigration> createJob(Context<SchemaMigration> context,
      SchemaMigration resource, Decision decision, DatabaseObserver.Observed database,
      DatabaseObserver.Scratch scratch, Effects effects) {
    Action action = decision.action();
    Approvals.Approval approval = decision.approval();
    KubernetesClient client = context.getClient();
    SchemaMigrationStatus status = resource.getStatus();
    String namespace = namespace(resource);
    Job job = jobFor(resource, action, database, scratch);
    if (job == null) {
      writeStatus(context, resource, effects);
      return UpdateControl.<SchemaMigration>noUpdate().rescheduleAfter(DATABASE_RETRY);
    }
    String name = job.getMetadata().getName();
    Job existing = jobs.get(new ResourceID(name, namespace)).orElse(null);
    if (existing != null && JobResults.finished(existing)) {
      // The same plan ran before and its result is recorded (the database moved away and
      // back): remove that Job, then run the plan anew.
      client.batch().v1().jobs().inNamespace(namespace).resource(existing)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
      writeStatus(context, resource, effects);
      return UpdateControl.<SchemaMigration>noUpdate().rescheduleAfter(Duration.ofSeconds(1));
    }
    StatusWriter.started(status, name, action, approval, now());
    // Status first: a restarted operator finds the Job it was about to create.
    writeStatus(context, resource, effects);
    checkpoints.reached(Checkpoints.Point.STATUS_WRITTEN_BEFORE_JOB, resource);
    if (existing == null) {
      if (action instanceof Action.BackUp) {
        BackupClaims.ensure(client, resource);
      }
      try {
        Job created = client.batch().v1().jobs().inNamespace(namespace).resource(job).create();
        jobs.handleRecentResourceCreate(new ResourceID(name, namespace), created);
        LOG.info("{}/{}: created Job {}", namespace, resource.getMetadata().getName(), name);
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        // Created by an instance before us, not yet in our cache: it is the same plan.
        LOG.info("{}/{}: adopted Job {}", namespace, resource.getMetadata().getName(), name);
      }
    }
    checkpoints.reached(Checkpoints.Point.JOB_CREATED, resource);
    // From now on a missing Job means it ran and was removed, not that it never started.
    status.activeJob.created = true;
    writeStatus(context, resource, effects);
    return UpdateControl.noUpdate();
  }

  /**
   * The Job of the status, from the informer's cache; only a Job recorded as created and
   * missing from the cache is asked of the API server, before it is judged lost.
   */
  private Job job(KubernetesClient client, String namespace, String name, boolean created) {
    Job cached = jobs.get(new ResourceID(name, namespace)).orElse(null);
    if (cached != null || !created) {
      return cached;
    }
    return client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
  }

  /**
   * An unexpected error: the status says so (masked), on the latest known resource rather
   * than the half-changed one of the failed reconcile. Stalled once JOSDK stops retrying.
   */
  @Override
  public ErrorStatusUpdateControl<SchemaMigration> updateErrorStatus(SchemaMigration resource,
      Context<SchemaMigration> context, Exception e) {
    SchemaMigration latest = context.getPrimaryCache().get(ResourceID.fromResource(resource))
        .orElse(null);
    if (latest == null) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    SchemaMigration copy = context.getControllerConfiguration().getConfigurationService()
        .getResourceCloner().clone(latest);
    if (copy.getStatus() == null) {
      copy.setStatus(new SchemaMigrationStatus());
    }
    boolean lastAttempt = context.getRetryInfo().map(info -> info.isLastAttempt()).orElse(true);
    String message = SecretMasker.generic().mask(String.valueOf(e.getMessage()));
    LOG.warn("{}/{}: reconcile failed{}: {}", namespace(resource),
        resource.getMetadata().getName(), lastAttempt ? " (no more retries)" : "", message);
    StatusWriter.reconcileError(copy.getStatus(), message, lastAttempt,
        copy.getMetadata().getGeneration(), now());
    ErrorStatusUpdateControl<SchemaMigration> control =
        ErrorStatusUpdateControl.patchStatus(copy);
    return lastAttempt ? control.rescheduleAfter(MAX_BACKOFF) : control;
  }

  /**
   * Replaces the status (PUT on the status subresource, checked against the resourceVersion
   * we read): a concurrent change makes it fail, and the reconcile is retried on fresh data.
   * The written resource goes to JOSDK's cache, so the next reconcile starts from it; Events
   * and metrics of what was written follow.
   */
  private void writeStatus(Context<SchemaMigration> context, SchemaMigration resource,
      Effects effects) {
    SchemaMigration written = PrimaryUpdateAndCacheUtils.updateAndCacheResource(resource,
        context, unchanged -> unchanged,
        toWrite -> context.getClient().resource(toWrite).updateStatus(), 0, 0, 0);
    // The next write in this reconcile is checked against the version just written.
    resource.getMetadata().setResourceVersion(written.getMetadata().getResourceVersion());
    effects.emit();
    metrics.observed(resource);
  }

  /** Records a finished Job: what it means is decided by {@link Outcomes}, as in local mode. */
  private Outcomes.Recorded recordFinishedJob(KubernetesClient client,
      SchemaMigration resource, Job job, List<ConfigMap> stored,
      DatabaseObserver.Observed database, DatabaseObserver.Scratch scratch, long generation,
      Effects effects) {
    SchemaMigrationStatus status = resource.getStatus();
    ActiveJob active = status.activeJob;
    SecretMasker masker = database.masker();
    if ("rehearse".equals(active.action) && scratch != null && scratch.access() != null) {
      // The rehearsal's log may hold either database's password (a driver's message).
      List<String> passwords = new ArrayList<>();
      passwords.add(scratch.access().settings().password());
      if (database.access() != null) {
        passwords.add(database.access().settings().password());
      }
      masker = SecretMasker.hiding(passwords);
    }
    ActionResult result = JobResults.of(client, job, masker,
        path -> JobFactory.backupLocation(resource, database.access(), path));
    Outcomes.Recorded recorded = Outcomes.finished(status, result, database.state(), generation,
        now(), Outcomes.historyLimit(resource.getSpec()));
    if (recorded.graphOutput() != null) {
      storeGraph(client, resource, active.image, recorded.graphOutput(), stored);
    }
    if ("backup".equals(active.action) && recorded.kind() != Outcomes.Kind.RUN_AGAIN) {
      effects.metrics.add(() -> metrics.backupFinished(
          recorded.kind() == Outcomes.Kind.SUCCEEDED,
          result.backup() == null ? 0L : result.backup().sizeBytes()));
    }
    if ("migrate".equals(active.action) && (recorded.kind() == Outcomes.Kind.SUCCEEDED
        || recorded.kind() == Outcomes.Kind.FAILED)) {
      Duration took = Duration.between(Instant.parse(active.startedAt), clock.instant());
      effects.metrics.add(() -> metrics.migrationFinished(active.direction,
          recorded.kind() == Outcomes.Kind.SUCCEEDED, took));
    }
    return recorded;
  }

  /** Stores an image's graph; the images the status names, and the last few, stay. */
  private void storeGraph(KubernetesClient client, SchemaMigration resource, String image,
      String inspectionOutput, List<ConfigMap> stored) {
    Set<String> needed = new HashSet<>();
    needed.add(image);
    needed.add(resource.getSpec().image);
    if (resource.getStatus().appliedImage != null) {
      needed.add(resource.getStatus().appliedImage);
    }
    ConfigMap written = GraphCache.store(client, resource, image, inspectionOutput, stored,
        needed, clock.instant());
    graphMaps.handleRecentResourceCreate(ResourceID.fromResource(written), written);
  }

  private Job jobFor(SchemaMigration resource, Action action,
      DatabaseObserver.Observed database, DatabaseObserver.Scratch scratch) {
    if (action instanceof Action.Inspect inspect) {
      return JobFactory.inspect(resource, inspect.image());
    }
    if (database.access() == null) {
      return null;
    }
    String postgresImage = resource.getSpec().backup.image != null
        ? resource.getSpec().backup.image : "postgres:" + database.serverMajor() + "-alpine";
    if (action instanceof Action.Rehearse rehearse) {
      return scratch == null || scratch.access() == null ? null
          : JobFactory.rehearse(resource, rehearse, database.access(), scratch.access(),
              postgresImage);
    }
    if (action instanceof Action.BackUp backUp) {
      String image = postgresImage;
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

  private static String secretKey(String namespace, String name) {
    return namespace + "/" + name;
  }

  /**
   * What a reconcile tells the world besides the status: sent only after the status that
   * records it was written, so a reconcile retried after a failed write sends nothing twice.
   */
  private static final class Effects {
    private final Events events;
    final List<String> transitions = new ArrayList<>();
    final List<Runnable> metrics = new ArrayList<>();

    Effects(Events events) {
      this.events = events;
    }

    void emit() {
      events.publish(List.copyOf(transitions));
      transitions.clear();
      metrics.forEach(Runnable::run);
      metrics.clear();
    }
  }
}
