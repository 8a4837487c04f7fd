package dev.vectis.migrations.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.PodTemplate;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SslMode;
import dev.vectis.migrations.database.ConnectionSettings;
import dev.vectis.migrations.plan.Action;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobFactoryTest {
  private static final String PASSWORD = "n0t-in-any-spec!";
  private static final JobFactory.DatabaseAccess DATABASE = new JobFactory.DatabaseAccess(
      new ConnectionSettings("vectis-db-rw", 5432, "app", "app", PASSWORD, SslMode.REQUIRE),
      "vectis-db-app", "password", "public");

  private static SchemaMigration resource(String name) {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("shop")
        .withUid("6f1c0e8e-1b7a-4c55-9e0d-3a4b5c6d7e8f").withGeneration(4L).build());
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    spec.image = "registry.example.com/vectis/backend:1.14.0";
    spec.alembic.workingDir = "/app/vectis/backend";
    spec.database = new DatabaseSpec();
    spec.database.cnpgCluster = "vectis-db";
    spec.seed.command = List.of("python", "-m", "vectis.core.seed");
    spec.podTemplate = new PodTemplate();
    spec.podTemplate.labels = Map.of("team", "platform");
    spec.podTemplate.serviceAccountName = "vectis-migrations";
    spec.podTemplate.tolerations = List.of(new TolerationBuilder().withKey("dedicated")
        .withValue("db").withEffect("NoSchedule").build());
    spec.podTemplate.resources = new ResourceRequirementsBuilder()
        .addToLimits("memory", new Quantity("512Mi")).build();
    spec.podTemplate.env = List.of(new EnvVarBuilder().withName("VECTIS_ADMIN_EMAIL")
        .withValue("ops@vectis.example").build());
    resource.setSpec(spec);
    return resource;
  }

  private static final Action.Migrate MIGRATE = new Action.Migrate(true, "head",
      "registry.example.com/vectis/backend:1.14.0", List.of("a3e2f1b8c9d4"),
      List.of("5731d674e022"), List.of());

  @Test
  void namesAreDeterministicShortAndDistinct() {
    SchemaMigration resource = resource("vectis-backend");
    String name = JobFactory.migrate(resource, MIGRATE, DATABASE).getMetadata().getName();
    assertThat(name).matches("vectis-backend-migrate-[0-9a-f]{10}");
    assertThat(JobFactory.migrate(resource("vectis-backend"), MIGRATE, DATABASE).getMetadata()
        .getName()).as("same inputs, same name").isEqualTo(name);
    assertThat(JobFactory.jobName(resource, "migrate", "a3e2f1b8c9d4", "c9d8e7f6a5b4",
        MIGRATE.image())).isNotEqualTo(name);
    resource.getMetadata().setGeneration(5L);
    assertThat(JobFactory.migrate(resource, MIGRATE, DATABASE).getMetadata().getName())
        .isNotEqualTo(name);

    String longName = JobFactory.jobName(resource("a".repeat(80)), "backup", "", "", "i");
    assertThat(longName).hasSizeLessThanOrEqualTo(63).endsWith(longName.substring(
        longName.length() - 18)).matches("a+-backup-[0-9a-f]{10}");
  }

  /** Names up to 253 characters are valid: their labels and claim names must be too. */
  @Test
  void aLongNameGivesValidLabelsAndClaimNames() {
    String name = "vectis-" + "b".repeat(240) + ".x";
    SchemaMigration resource = resource(name);
    var job = JobFactory.migrate(resource, MIGRATE, DATABASE);
    String label = job.getMetadata().getLabels().get(JobFactory.NAME_LABEL);
    assertThat(label).hasSizeLessThanOrEqualTo(63)
        .matches("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
        .isNotEqualTo(JobFactory.nameLabel(resource(name.replace(".x", ".y"))));
    assertThat(JobFactory.backupClaim(resource)).hasSizeLessThanOrEqualTo(253)
        .endsWith("-backups");
    assertThat(JobFactory.nameLabel(resource("vectis-backend"))).isEqualTo("vectis-backend");
  }

  @Test
  void aMigrateJobIsRestrictedOwnedAndNeverRetried() {
    Job job = JobFactory.migrate(resource("vectis-backend"), MIGRATE, DATABASE);
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(3600L);
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(86_400);
    assertThat(job.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
      assertThat(owner.getKind()).isEqualTo("SchemaMigration");
      assertThat(owner.getController()).isTrue();
      assertThat(owner.getUid()).isEqualTo("6f1c0e8e-1b7a-4c55-9e0d-3a4b5c6d7e8f");
    });
    assertThat(job.getMetadata().getLabels()).containsEntry(JobFactory.MANAGED_BY,
        "schema-migration-operator").containsEntry(JobFactory.NAME_LABEL, "vectis-backend")
        .containsEntry(JobFactory.ACTION_LABEL, "migrate");

    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType())
        .isEqualTo("RuntimeDefault");
    Container container = pod.getContainers().get(0);
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
    assertThat(pod.getVolumes()).anyMatch(v -> v.getEmptyDir() != null);
    assertThat(container.getImage()).isEqualTo(MIGRATE.image());
    assertThat(container.getWorkingDir()).isEqualTo("/app/vectis/backend");
    assertThat(container.getCommand().subList(0, 2)).containsExactly("python3", "-c");
    assertThat(container.getCommand().subList(3, 8)).as("lock key, wait, premise")
        .containsExactly(container.getCommand().get(3), "1800", "public", "alembic_version",
            "a3e2f1b8c9d4");
    assertThat(container.getCommand().subList(8, container.getCommand().size()))
        .containsExactly("alembic", "-c", "alembic.ini", "upgrade", "head");

    assertThat(env(container, "PYTHONDONTWRITEBYTECODE").getValue()).isEqualTo("1");
    assertThat(env(container, "DATABASE_URL").getValue())
        .isEqualTo("postgresql://app@vectis-db-rw:5432/app?sslmode=require");
    assertThat(env(container, "PGHOST").getValue()).isEqualTo("vectis-db-rw");
    EnvVar password = env(container, "PGPASSWORD");
    assertThat(password.getValue()).isNull();
    assertThat(password.getValueFrom().getSecretKeyRef().getName()).isEqualTo("vectis-db-app");
    assertThat(password.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password");
    assertThat(Serialization.asYaml(job)).doesNotContain(PASSWORD);
  }

  @Test
  void thePodTemplateIsMergedIn() {
    Job job = JobFactory.seed(resource("vectis-backend"), new Action.Seed(MIGRATE.image(),
        List.of("5731d674e022")), DATABASE);
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("team", "platform").containsEntry(JobFactory.ACTION_LABEL, "seed");
    assertThat(pod.getServiceAccountName()).isEqualTo("vectis-migrations");
    assertThat(pod.getTolerations()).extracting(t -> t.getKey()).containsExactly("dedicated");
    Container container = pod.getContainers().get(0);
    assertThat(container.getResources().getLimits()).containsKey("memory");
    assertThat(env(container, "VECTIS_ADMIN_EMAIL").getValue()).isEqualTo("ops@vectis.example");
    List<String> command = container.getCommand();
    assertThat(command.subList(0, 2)).as("under the migration lock").containsExactly("python3",
        "-c");
    assertThat(command.subList(5, command.size())).containsExactly("public", "alembic_version",
        "5731d674e022", "python", "-m", "vectis.core.seed");
  }

  @Test
  void noSpecVariableCanPointAJobAtAnotherDatabase() {
    SchemaMigration resource = resource("vectis-backend");
    // The validator rejects these; the Jobs do not rely on it: their own values come last,
    // and for duplicate names the last entry wins (in Kubernetes as in a shell).
    resource.getSpec().podTemplate.env = List.of(
        new EnvVarBuilder().withName("DATABASE_URL").withValue("postgresql://x@other/db").build(),
        new EnvVarBuilder().withName("PGDATABASE").withValue("other").build(),
        new EnvVarBuilder().withName("PGHOST").withValue("other-host").build());
    for (Job job : List.of(JobFactory.migrate(resource, MIGRATE, DATABASE),
        JobFactory.seed(resource, new Action.Seed(MIGRATE.image(), List.of("5731d674e022")),
            DATABASE))) {
      List<EnvVar> env = job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
      for (String name : List.of("DATABASE_URL", "PGDATABASE", "PGHOST")) {
        EnvVar last = env.stream().filter(e -> e.getName().equals(name))
            .reduce((first, second) -> second).orElseThrow();
        assertThat(last.getValue()).as(name).doesNotContain("other");
      }
    }
  }

  @Test
  void aBackupJobWritesToTheClaimAsThePostgresUser() {
    SchemaMigration resource = resource("vectis-backend");
    Job job = JobFactory.backup(resource, new Action.BackUp(List.of("5731d674e022")), DATABASE,
        "postgres:15-alpine", JobFactory.backupClaim(resource));
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes()).anyMatch(v -> v.getPersistentVolumeClaim() != null
        && v.getPersistentVolumeClaim().getClaimName().equals("vectis-backend-backups"));
    assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(70L);
    Container container = pod.getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("postgres:15-alpine");
    assertThat(container.getSecurityContext().getRunAsUser()).isEqualTo(70L);
    assertThat(container.getCommand().subList(0, 2)).containsExactly("sh", "-c");
    assertThat(env(container, "BACKUP_DIR").getValue()).isEqualTo("/backups/"
        + dev.vectis.migrations.database.DatabaseIdentity.of(DATABASE.settings()).key());
    assertThat(env(container, "BACKUP_LABEL").getValue()).isEqualTo("5731d674e022");
    assertThat(env(container, "BACKUP_RETAIN").getValue()).isEqualTo("5");
    assertThat(Serialization.asYaml(job)).doesNotContain(PASSWORD);
  }

  @Test
  void anInspectJobNeedsNoDatabase() {
    Job job = JobFactory.inspect(resource("vectis-backend"), "registry.example.com/x:1");
    Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getEnv()).extracting(EnvVar::getName)
        .doesNotContain("PGPASSWORD", "DATABASE_URL");
    assertThat(container.getCommand().get(container.getCommand().size() - 1))
        .isEqualTo("alembic.ini");
  }

  /** The value a process sees: the last entry of that name. */
  private static EnvVar env(Container container, String name) {
    return container.getEnv().stream().filter(e -> e.getName().equals(name))
        .reduce((first, second) -> second)
        .orElseThrow(() -> new AssertionError("no env " + name));
  }

  /** The backup runs as the image's postgres user: 70 on Alpine, 999 on Debian, else its own. */
  @Test
  void theBackupUserFollowsTheImage() {
    SchemaMigration resource = resource("vectis-backend");
    Map<String, Long> users = new java.util.LinkedHashMap<>();
    users.put("postgres:16-alpine", 70L);
    users.put("docker.io/library/postgres:16.4-alpine3.20", 70L);
    users.put("postgres:16", 999L);
    users.put("mirror.example/postgres:16-bookworm@sha256:" + "0".repeat(64), 999L);
    users.put("registry.example/tools/pg-client:16", null);
    users.forEach((image, user) -> {
      PodSpec pod = JobFactory.backup(resource, new Action.BackUp(List.of("5731d674e022")),
          DATABASE, image, "claim").getSpec().getTemplate().getSpec();
      assertThat(pod.getContainers().get(0).getSecurityContext().getRunAsUser()).as(image)
          .isEqualTo(user);
      assertThat(pod.getSecurityContext().getFsGroup()).as(image).isEqualTo(user);
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    });
  }

  private static final String SCRATCH_PASSWORD = "scr4tch-only!";
  private static final JobFactory.DatabaseAccess SCRATCH = new JobFactory.DatabaseAccess(
      new ConnectionSettings("scratch-db-rw", 5432, "scratch", "rehearser", SCRATCH_PASSWORD,
          SslMode.REQUIRE), "vectis-db-scratch", "password", "public");

  @Test
  void theRehearsalCopiesProductionsSchemaThenRunsThereAndBackAndAgainOnScratch()
      throws Exception {
    SchemaMigration resource = resource("vectis-backend");
    Action.Rehearse rehearse = new Action.Rehearse(MIGRATE, "0123456789abcdef");
    Job job = JobFactory.rehearse(resource, rehearse, DATABASE, SCRATCH, "postgres:16-alpine");
    String yaml = Serialization.asYaml(job);
    assertThat(yaml).as("no password anywhere in the Job").doesNotContain(PASSWORD,
        SCRATCH_PASSWORD);
    assertThat(job.getMetadata().getName()).matches("vectis-backend-rehearse-[0-9a-f]{10}")
        .isEqualTo(JobFactory.rehearse(resource("vectis-backend"), rehearse, DATABASE, SCRATCH,
            "postgres:16-alpine").getMetadata().getName());
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getMetadata().getLabels()).containsEntry(JobFactory.ACTION_LABEL, "rehearse");

    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    Container copy = pod.getInitContainers().get(0);
    Container rehearsal = pod.getContainers().get(0);
    for (Container container : List.of(copy, rehearsal)) {
      assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(container.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    }
    assertThat(copy.getImage()).isEqualTo("postgres:16-alpine");
    assertThat(copy.getSecurityContext().getRunAsUser()).isEqualTo(70L);
    Map<String, EnvVar> copyEnv = byName(copy.getEnv());
    assertThat(copyEnv.get("PGHOST").getValue()).isEqualTo("vectis-db-rw");
    assertThat(copyEnv.get("PGPASSWORD").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("vectis-db-app");
    assertThat(copyEnv.get("SCRATCH_PGHOST").getValue()).isEqualTo("scratch-db-rw");
    assertThat(copyEnv.get("SCRATCH_PGPASSWORD").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("vectis-db-scratch");
    assertThat(copyEnv.get("VERSION_TABLE").getValue()).isEqualTo("\"public\".\"alembic_version\"");
    assertThat(copyEnv.get("COPY_VERSION_ROWS").getValue()).isEqualTo("1");
    assertThat(String.join(" ", copy.getCommand())).contains("pg_dump --schema-only",
        "DROP SCHEMA");

    assertThat(rehearsal.getImage()).isEqualTo(MIGRATE.image());
    Map<String, EnvVar> env = byName(rehearsal.getEnv());
    assertThat(env.get("DATABASE_URL").getValue()).startsWith("postgresql://rehearser@"
        + "scratch-db-rw:5432/scratch");
    assertThat(env.get("PGPASSWORD").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("vectis-db-scratch");
    assertThat(rehearsal.getCommand().get(3)).isEqualTo("[[\"upgrade head\",[\"-c\","
        + "\"alembic.ini\",\"upgrade\",\"head\"]],[\"downgrade a3e2f1b8c9d4\",[\"-c\","
        + "\"alembic.ini\",\"downgrade\",\"a3e2f1b8c9d4\"]],[\"upgrade head\",[\"-c\","
        + "\"alembic.ini\",\"upgrade\",\"head\"]]]");
    assertThat(rehearsal.getCommand().subList(4, rehearsal.getCommand().size()))
        .containsExactly("alembic");

    // From base: back to base, and no version rows to copy.
    Action.Migrate fromBase = new Action.Migrate(true, "head", MIGRATE.image(), List.of(),
        List.of("5731d674e022"), List.of());
    Job first = JobFactory.rehearse(resource, new Action.Rehearse(fromBase, "x"), DATABASE,
        SCRATCH, "postgres:16");
    assertThat(byName(first.getSpec().getTemplate().getSpec().getInitContainers().get(0)
        .getEnv()).get("COPY_VERSION_ROWS").getValue()).isEqualTo("0");
    assertThat(first.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand()
        .get(3)).contains("\"downgrade base\"");
  }

  private static Map<String, EnvVar> byName(List<EnvVar> env) {
    Map<String, EnvVar> byName = new java.util.LinkedHashMap<>();
    env.forEach(variable -> byName.put(variable.getName(), variable));
    return byName;
  }
}
