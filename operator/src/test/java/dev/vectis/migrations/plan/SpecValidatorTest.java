package dev.vectis.migrations.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.api.SecretRef;
import dev.vectis.migrations.plan.Decision.State;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator's validation of a spec it was given: what an API server with our CRD would
 * refuse, as InvalidSpec, even when no API server checked it (an old CRD, a test server).
 */
class SpecValidatorTest {
  private static SchemaMigrationSpec spec() {
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    spec.image = "registry.example/vectis/backend:1.14.0";
    spec.database = new DatabaseSpec();
    spec.database.secretRef = new SecretRef();
    spec.database.secretRef.name = "vectis-db-app";
    return spec;
  }

  private static Decision decide(SchemaMigrationSpec spec) {
    return Decider.decide(new Observation(1, spec, new SchemaMigrationStatus(), null,
        Inspection.unknown(), Inspection.unknown(), new DatabaseState.Rows(List.of())));
  }

  @Test
  void aValidSpecHasNoProblems() {
    assertThat(SpecValidator.problems(spec(), true)).isEmpty();
    assertThat(decide(spec()).reason()).isNotEqualTo(Reason.InvalidSpec);
  }

  @Test
  void aReservedVariableStallsWithItsName() {
    SchemaMigrationSpec spec = spec();
    spec.podTemplate.env = List.of(
        new EnvVarBuilder().withName("VECTIS_ADMIN_EMAIL").withValue("ops@x").build(),
        new EnvVarBuilder().withName("PGHOST").withValue("evil.example").build());
    Decision decision = decide(spec);
    assertThat(decision.state()).isEqualTo(State.STALLED);
    assertThat(decision.reason()).isEqualTo(Reason.InvalidSpec);
    assertThat(decision.message()).isEqualTo("spec.podTemplate.env[1].name: PGHOST is set by "
        + "the operator (libpq's settings come from spec.database); remove it");
    assertThat(decision.action()).isInstanceOf(Action.None.class);
  }

  @Test
  void anEnvFromPrefixThatCouldCreateOneStallsToo() {
    SchemaMigrationSpec spec = spec();
    spec.podTemplate.envFrom = List.of(new EnvFromSourceBuilder().withPrefix("PG")
        .withNewConfigMapRef().withName("settings").endConfigMapRef().build());
    assertThat(SpecValidator.problems(spec, true)).containsExactly(
        "spec.podTemplate.envFrom[0].prefix: \"PG\" could create PG*, which is set by the "
            + "operator; use another prefix");
  }

  @Test
  void nullsAnApiServerWouldHaveDefaultedAreProblemsNotExceptions() {
    SchemaMigrationSpec spec = spec();
    spec.seed.when = null;
    spec.backup = null;
    spec.jobDeadlineSeconds = null;
    assertThat(SpecValidator.problems(spec, true)).containsExactlyInAnyOrder(
        "spec.seed.when: must not be null", "spec.backup: must not be null",
        "spec.jobDeadlineSeconds: must not be null");
    assertThat(decide(spec).reason()).isEqualTo(Reason.InvalidSpec);
  }

  @Test
  void unknownFieldsKeptByTheKubernetesModelAreRejected() {
    SchemaMigrationSpec spec = spec();
    EnvVar env = new EnvVarBuilder().withName("A").withValue("x").build();
    env.setAdditionalProperty("valu", "y");
    spec.podTemplate.env = List.of(env);
    assertThat(SpecValidator.problems(spec, true)).containsExactly(
        "spec.podTemplate.env[0].valu: unknown field");
  }

  @Test
  void theSchemaAndTheCelRuleApplyToTheDatabase() {
    SchemaMigrationSpec spec = spec();
    spec.database.cnpgCluster = "vectis-db";
    spec.backup.retain = 0;
    assertThat(SpecValidator.problems(spec, true)).containsExactly(
        "spec.backup.retain: must be >= 1 and <= 1000", "spec.database: exactly one of "
            + "database.secretRef and database.cnpgCluster must be set");
  }

  @Test
  void aMissingDatabaseIsAProblemOnlyWhenRequired() {
    SchemaMigrationSpec spec = spec();
    spec.database = null;
    assertThat(SpecValidator.problems(spec, true)).containsExactly("spec.database: is required");
    assertThat(SpecValidator.problems(spec, false)).isEmpty();
    assertThat(SpecValidator.problems(null, false)).containsExactly("spec: is required");
  }
}
