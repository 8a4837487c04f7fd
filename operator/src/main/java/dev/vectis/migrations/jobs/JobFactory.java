package dev.vectis.migrations.jobs;

import dev.vectis.migrations.ScriptResources;
import dev.vectis.migrations.Sha256;
import dev.vectis.migrations.api.PodTemplate;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.database.AdvisoryLock;
import dev.vectis.migrations.database.BackupScript;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.database.DatabaseIdentity;
import dev.vectis.migrations.database.SqlIdentifier;
import dev.vectis.migrations.plan.Action;
import dev.vectis.migrations.revision.InspectionScript;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kubernetes Jobs the operator runs, one per action: inspect, backup, migrate, seed.
 * Deterministic names (a restarted operator finds the Job it started), {@code backoffLimit: 0}
 * (the operator decides about retries), a deadline, a TTL, an owner reference, restricted pod
 * security, and the database password only through a {@code secretKeyRef}.
 */
public final class JobFactory {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String OPERATOR = "schema-migration-operator";
  public static final String NAME_LABEL = "migrations.vectis.dev/name";
  public static final String ACTION_LABEL = "migrations.vectis.dev/action";
  /** Where the backup volume is mounted in the backup Job. */
  public static final String BACKUP_MOUNT = "/backups";
  /** Finished Jobs stay a day, so their logs can be read. */
  static final int TTL_SECONDS = 86_400;

  private JobFactory() {}

  /**
   * How a Job reaches the database: the settings without their password, the Secret key that
   * holds it, and the schema the version table resolves to (it names the migration lock).
   */
  public record DatabaseAccess(ConnectionSettings settings, String secretName,
      String passwordKey, String versionTableSchema) {}

  /** {@code <name>-<action>-<hash of uid, generation, from, to, image>}, at most 63 characters. */
  public static String jobName(SchemaMigration resource, String action, String from, String to,
      String image) {
    String hash = Sha256.hex(resource.getMetadata().getUid() + "\n"
        + resource.getMetadata().getGeneration() + "\n" + action + "\n" + from + "\n" + to + "\n"
        + image).substring(0, 10);
    String suffix = "-" + action + "-" + hash;
    String name = resource.getMetadata().getName();
    int room = 63 - suffix.length();
    if (name.length() > room) {
      name = name.substring(0, room).replaceAll("[-.]+$", "");
    }
    return name + suffix;
  }

  public static Job inspect(SchemaMigration resource, String image) {
    SchemaMigrationSpec spec = resource.getSpec();
    List<String> command = InspectionScript.command(spec.alembic.python, spec.alembic.config);
    String name = jobName(resource, "inspect", "", "", image);
    return job(resource, name, "inspect", image, command, spec.alembic.workingDir, List.of(),
        List.of(), List.of(), false);
  }

  public static Job migrate(SchemaMigration resource, Action.Migrate migrate,
      DatabaseAccess database) {
    SchemaMigrationSpec spec = resource.getSpec();
    List<String> alembic = new ArrayList<>(spec.alembic.command);
    alembic.addAll(List.of("-c", spec.alembic.config, migrate.direction(),
        migrate.alembicTarget()));
    List<String> command = locked(spec, database, migrate.from(), alembic);
    String name = jobName(resource, "migrate", String.join(",", migrate.from()),
        String.join(",", migrate.expectedRows()), migrate.image());
    return job(resource, name, "migrate", migrate.image(), command, spec.alembic.workingDir,
        databaseEnvironment(spec, database), List.of(), List.of(), true);
  }

  /**
   * The rehearsal (spec.rehearsal): an init container in {@code postgresImage} copies
   * production's schema (and its version table's rows) into the scratch database after wiping
   * that one's schemas; then the application's image runs the migration, its reverse back to
   * production's rows and the migration again there. Production is only read. Both passwords
   * come from their Secrets through secretKeyRef.
   */
  public static Job rehearse(SchemaMigration resource, Action.Rehearse rehearse,
      DatabaseAccess production, DatabaseAccess scratch, String postgresImage) {
    SchemaMigrationSpec spec = resource.getSpec();
    Action.Migrate migrate = rehearse.migrate();
    String name = jobName(resource, "rehearse", String.join(",", migrate.from()),
        String.join(",", migrate.expectedRows()) + "\n" + rehearse.plan(), migrate.image());

    List<EnvVar> copyEnv = new ArrayList<>();
    production.settings().libpqEnvironment().forEach((key, value) ->
        copyEnv.add(literal(key, value)));
    copyEnv.add(password("PGPASSWORD", production));
    scratch.settings().libpqEnvironment().forEach((key, value) -> {
      if (!key.equals("PGAPPNAME")) {
        copyEnv.add(literal("SCRATCH_" + key, value));
      }
    });
    copyEnv.add(password("SCRATCH_PGPASSWORD", scratch));
    String schema = production.versionTableSchema() == null ? "public"
        : production.versionTableSchema();
    copyEnv.add(literal("VERSION_TABLE", SqlIdentifier.of("schema", schema).quoted() + "."
        + SqlIdentifier.of("spec.alembic.versionTable", spec.alembic.versionTable).quoted()));
    copyEnv.add(literal("COPY_VERSION_ROWS", migrate.from().isEmpty() ? "0" : "1"));
    copyEnv.add(literal("HOME", "/tmp"));
    Container copy = new ContainerBuilder()
        .withName("copy-schema")
        .withImage(postgresImage)
        .withCommand("sh", "-c", ScriptResources.read(JobFactory.class, "rehearse_copy.sh"),
            "rehearse_copy.sh")
        .withEnv(copyEnv)
        .withVolumeMounts(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build())
        .withSecurityContext(restricted())
        .build();
    Long postgresUser = postgresUser(postgresImage);
    if (postgresUser != null) {
      copy.getSecurityContext().setRunAsUser(postgresUser);
    }
    if (spec.podTemplate != null && spec.podTemplate.resources != null) {
      copy.setResources(spec.podTemplate.resources);
    }

    List<String> command = new ArrayList<>(List.of(spec.alembic.python, "-c",
        ScriptResources.read(JobFactory.class, "rehearse.py"),
        rehearsalSteps(spec, migrate)));
    command.addAll(spec.alembic.command);
    Job job = job(resource, name, "rehearse", migrate.image(), command, spec.alembic.workingDir,
        databaseEnvironment(spec, scratch), List.of(), List.of(), true);
    job.getSpec().getTemplate().getSpec().setInitContainers(List.of(copy));
    return job;
  }

  /**
   * The rehearsal's Alembic runs, as JSON: the migration, its reverse back to the rows it
   * starts from, and the migration again. Several rows cannot be named to Alembic as one
   * revision to go back to: then only the migration is rehearsed (the output says so).
   */
  static String rehearsalSteps(SchemaMigrationSpec spec, Action.Migrate migrate) {
    List<List<Object>> steps = new ArrayList<>();
    List<String> forward = List.of("-c", spec.alembic.config, migrate.direction(),
        migrate.alembicTarget());
    steps.add(List.of(migrate.direction() + " " + migrate.alembicTarget(), forward));
    if (migrate.from().size() <= 1) {
      String back = migrate.from().isEmpty() ? "base" : migrate.from().get(0);
      String reverse = migrate.upgrade() ? "downgrade" : "upgrade";
      steps.add(List.of(reverse + " " + back, List.of("-c", spec.alembic.config, reverse, back)));
      steps.add(List.of(migrate.direction() + " " + migrate.alembicTarget(), forward));
    }
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(steps);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static EnvVar password(String name, DatabaseAccess database) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
        .withName(database.secretName()).withKey(database.passwordKey()).endSecretKeyRef()
        .endValueFrom().build();
  }

  private static io.fabric8.kubernetes.api.model.SecurityContext restricted() {
    return new io.fabric8.kubernetes.api.model.SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsNonRoot(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .build();
  }

  public static Job seed(SchemaMigration resource, Action.Seed seed, DatabaseAccess database) {
    SchemaMigrationSpec spec = resource.getSpec();
    String rows = String.join(",", seed.rows());
    String name = jobName(resource, "seed", rows, rows, seed.image());
    return job(resource, name, "seed", seed.image(),
        locked(spec, database, seed.rows(), spec.seed.command), spec.seed.workingDir,
        databaseEnvironment(spec, database), List.of(), List.of(), true);
  }

  /** The command under the migration lock, run only if the version rows are {@code rows}. */
  private static List<String> locked(SchemaMigrationSpec spec, DatabaseAccess database,
      List<String> rows, List<String> command) {
    long key = AdvisoryLock.forVersionTable(database.settings().database(),
        database.versionTableSchema(), spec.alembic.versionTable).key();
    return LockedCommand.command(spec.alembic.python, key, lockWaitSeconds(spec),
        new LockedCommand.Premise(database.versionTableSchema(), spec.alembic.versionTable,
            rows), command);
  }

  /**
   * @param image the image with pg_dump (spec.backup.image, or postgres:<server major>-alpine)
   * @param claim the PersistentVolumeClaim of the dumps
   */
  public static Job backup(SchemaMigration resource, Action.BackUp backUp,
      DatabaseAccess database, String image, String claim) {
    SchemaMigrationSpec spec = resource.getSpec();
    String rows = String.join(",", backUp.rows());
    String name = jobName(resource, "backup", rows, rows, image);
    DatabaseIdentity identity = DatabaseIdentity.of(database.settings());
    // The image whose scripts know these rows: the one that migrated the database.
    String appImage = resource.getStatus() != null && resource.getStatus().appliedImage != null
        ? resource.getStatus().appliedImage : spec.image;
    BackupScript.Origin origin = new BackupScript.Origin(identity, identity.key(),
        resource.getMetadata().getNamespace(), resource.getMetadata().getName(), backUp.rows(),
        appImage, spec.alembic.versionTable, spec.alembic.versionTableSchema);
    List<EnvVar> env = new ArrayList<>(databaseEnvironment(spec, database));
    BackupScript.environment(backupDirectory(identity), origin,
        Integer.toString(spec.backup.retain)).forEach((key, value) -> env.add(literal(key, value)));
    Volume volume = new VolumeBuilder().withName("backups").withNewPersistentVolumeClaim()
        .withClaimName(claim).endPersistentVolumeClaim().build();
    VolumeMount mount = new VolumeMountBuilder().withName("backups").withMountPath(BACKUP_MOUNT)
        .build();
    return job(resource, name, "backup", image, BackupScript.backupCommand(), null, env,
        List.of(volume), List.of(mount), false);
  }

  /**
   * A database's dump directory inside the backup volume: named after the database (server
   * and database name), never after the resource, so one SchemaMigration run against two
   * databases keeps two sets of dumps and their own retention.
   */
  public static String backupDirectory(DatabaseIdentity identity) {
    return BACKUP_MOUNT + "/" + identity.key();
  }

  /**
   * {@code status.lastBackup.location}: {@code <claim>:<path inside the volume>}. From the path
   * the backup Job printed when it is under the mount; otherwise (a stand-in kubelet mounts
   * the volume elsewhere) the database's directory and the dump's file name.
   *
   * @param database how the Job reached the database, or null when unknown now
   */
  public static String backupLocation(SchemaMigration resource, DatabaseAccess database,
      String resultPath) {
    java.nio.file.Path path = java.nio.file.Path.of(resultPath).normalize();
    java.nio.file.Path mount = java.nio.file.Path.of(BACKUP_MOUNT);
    String file = String.valueOf(path.getFileName());
    String inVolume = path.startsWith(mount) && path.getNameCount() > 1
        ? mount.relativize(path).toString()
        : database != null ? DatabaseIdentity.of(database.settings()).key() + "/" + file : file;
    return backupClaim(resource) + ":" + inVolume;
  }

  /**
   * The user of the official postgres images, which start as root: 70 in the Alpine ones, 999
   * in the Debian ones. Any other image runs as its own USER (runAsNonRoot holds it to that).
   */
  static Long postgresUser(String image) {
    String name = image.replaceFirst("@.*$", "");
    String repository = name.replaceFirst(":[^:/]*$", "");
    if (!repository.equals("postgres") && !repository.endsWith("/postgres")) {
      return null;
    }
    return name.substring(repository.length()).contains("alpine") ? 70L : 999L;
  }

  /**
   * How long the wrapper waits for another migration's lock: half the Job's deadline (at least
   * 30 s), so a Job that waited in vain says so instead of being killed at its deadline.
   */
  public static long lockWaitSeconds(SchemaMigrationSpec spec) {
    return Math.max(30, spec.jobDeadlineSeconds / 2);
  }

  /** The claim of the dumps: spec.backup.persistentVolumeClaim or {@code <name>-backups}. */
  public static String backupClaim(SchemaMigration resource) {
    String claim = resource.getSpec().backup.persistentVolumeClaim;
    return claim != null ? claim : shortened(resource.getMetadata().getName(), "-backups", 253);
  }

  /**
   * The resource's name as a label value: itself, or (over a label's 63 characters) its start
   * and a hash of the whole.
   */
  public static String nameLabel(SchemaMigration resource) {
    String name = resource.getMetadata().getName();
    return name.length() <= 63 ? name : shortened(name, "", 63);
  }

  /** {@code name + suffix} within {@code limit}; a cut name gets a hash of the whole. */
  private static String shortened(String name, String suffix, int limit) {
    if (name.length() + suffix.length() <= limit) {
      return name + suffix;
    }
    String hashed = "-" + Sha256.hex(name).substring(0, 10) + suffix;
    return name.substring(0, limit - hashed.length()).replaceAll("[-.]+$", "") + hashed;
  }

  /**
   * libpq's variables and the SQLAlchemy URL as plain values (nothing secret in them), the
   * password from the Secret.
   */
  private static List<EnvVar> databaseEnvironment(SchemaMigrationSpec spec,
      DatabaseAccess database) {
    List<EnvVar> env = new ArrayList<>();
    database.settings().libpqEnvironment().forEach((key, value) -> env.add(literal(key, value)));
    env.add(password("PGPASSWORD", database));
    env.add(literal(spec.database.urlEnv, database.settings().sqlAlchemyUrl(
        spec.database.urlScheme)));
    return env;
  }

  private static Job job(SchemaMigration resource, String name, String action, String image,
      List<String> command, String workingDir, List<EnvVar> env, List<Volume> volumes,
      List<VolumeMount> mounts, boolean appImage) {
    SchemaMigrationSpec spec = resource.getSpec();
    PodTemplate template = spec.podTemplate == null ? new PodTemplate() : spec.podTemplate;
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, OPERATOR);
    labels.put(NAME_LABEL, nameLabel(resource));
    labels.put(ACTION_LABEL, action);
    Map<String, String> podLabels = new LinkedHashMap<>();
    if (template.labels != null) {
      podLabels.putAll(template.labels);
    }
    podLabels.putAll(labels);

    // The spec's variables first: for duplicate names the last entry wins, so nothing in a
    // spec can point a Job at another database or change what it runs.
    List<EnvVar> containerEnv = new ArrayList<>();
    if (template.env != null) {
      containerEnv.addAll(template.env);
    }
    containerEnv.addAll(env);
    containerEnv.add(literal("PYTHONDONTWRITEBYTECODE", "1"));
    containerEnv.add(literal("HOME", "/tmp"));
    List<VolumeMount> containerMounts = new ArrayList<>(mounts);
    containerMounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
    ContainerBuilder container = new ContainerBuilder()
        .withName(action)
        .withImage(image)
        .withCommand(command)
        .withWorkingDir(workingDir)
        .withEnv(containerEnv)
        .withVolumeMounts(containerMounts)
        .withNewSecurityContext()
          .withAllowPrivilegeEscalation(false)
          .withReadOnlyRootFilesystem(true)
          .withRunAsNonRoot(true)
          .withNewCapabilities().withDrop("ALL").endCapabilities()
        .endSecurityContext();
    if (template.resources != null) {
      container.withResources(template.resources);
    }
    if (template.envFrom != null && appImage) {
      container.withEnvFrom(template.envFrom);
    }
    Container built = container.build();
    Long postgresUser = action.equals("backup") ? postgresUser(image) : null;
    if (postgresUser != null) {
      built.getSecurityContext().setRunAsUser(postgresUser);
    }
    List<Volume> podVolumes = new ArrayList<>(volumes);
    podVolumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
    PodSpecBuilder pod = new PodSpecBuilder()
        .withRestartPolicy("Never")
        .withContainers(built)
        .withVolumes(podVolumes)
        .withServiceAccountName(template.serviceAccountName)
        .withImagePullSecrets(template.imagePullSecrets)
        .withNodeSelector(template.nodeSelector)
        .withTolerations(template.tolerations)
        .withAffinity(template.affinity)
        .withPriorityClassName(template.priorityClassName)
        .withNewSecurityContext()
          .withRunAsNonRoot(true)
          .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .endSecurityContext();
    if (postgresUser != null) {
      pod.editSecurityContext().withFsGroup(postgresUser).endSecurityContext();
    }
    return new JobBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(resource.getMetadata().getNamespace())
          .withLabels(labels)
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion(resource.getApiVersion())
              .withKind(resource.getKind())
              .withName(resource.getMetadata().getName())
              .withUid(resource.getMetadata().getUid())
              .withController(true)
              .withBlockOwnerDeletion(true)
              .build())
        .endMetadata()
        .withNewSpec()
          .withBackoffLimit(0)
          .withActiveDeadlineSeconds(spec.jobDeadlineSeconds.longValue())
          .withTtlSecondsAfterFinished(TTL_SECONDS)
          .withNewTemplate()
            .withNewMetadata()
              .withLabels(podLabels)
              .withAnnotations(template.annotations)
            .endMetadata()
            .withSpec(pod.build())
          .endTemplate()
        .endSpec()
        .build();
  }

  private static EnvVar literal(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }
}
