package dev.vectis.migrations.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.plan.Action;
import dev.vectis.migrations.plan.Decision;
import dev.vectis.migrations.plan.Reason;
import dev.vectis.migrations.plan.StatusWriter;
import dev.vectis.migrations.testing.ProjectPaths;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/** examples/gitops/argocd/health.lua, run with LuaJ on statuses the operator writes. */
class HealthLuaTest {
  private static final Path LUA = ProjectPaths.examples().resolve("gitops/argocd/health.lua");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NOW = "2026-11-26T08:00:00Z";

  private static Map<String, String> health(SchemaMigration resource) throws IOException {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", lua(JSON.valueToTree(resource)));
    LuaValue result = globals.load(Files.readString(LUA), "health.lua").call();
    return Map.of("status", result.get("status").tojstring(),
        "message", result.get("message").tojstring());
  }

  private static LuaValue lua(JsonNode node) {
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        table.set(field.getKey(), lua(field.getValue()));
      }
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, lua(node.get(i)));
      }
      return table;
    }
    if (node.isIntegralNumber()) {
      return LuaValue.valueOf(node.asLong());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    return node.isNull() ? LuaValue.NIL : LuaValue.valueOf(node.asText());
  }

  private static SchemaMigration resource(long generation, Decision decision,
      long observedGeneration) {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName("vectis-backend")
        .withGeneration(generation).build());
    if (decision != null) {
      SchemaMigrationStatus status = new SchemaMigrationStatus();
      StatusWriter.apply(status, decision, observedGeneration, List.of("5731d674e022"), NOW);
      resource.setStatus(status);
    }
    return resource;
  }

  private static Decision decision(Decision.State state, Reason reason, String message) {
    return new Decision(Action.none(), state, null, reason, message, null, List.of(), null);
  }

  @Test
  void readyForTheCurrentGenerationIsHealthy() throws IOException {
    assertThat(health(resource(2, decision(Decision.State.READY, Reason.AtTarget,
        "the database is at 5731d674e022"), 2)))
        .containsEntry("status", "Healthy")
        .containsEntry("message", "the database is at 5731d674e022");
  }

  @Test
  void stalledIsDegradedWithTheReason() throws IOException {
    assertThat(health(resource(2, decision(Decision.State.STALLED,
        Reason.DowngradeNotAllowed, "target a3e2f1b8c9d4 is behind the database"), 2)))
        .containsEntry("status", "Degraded")
        .containsEntry("message", "DowngradeNotAllowed: target a3e2f1b8c9d4 is behind the "
            + "database");
  }

  @Test
  void workUnderWayIsProgressing() throws IOException {
    assertThat(health(resource(2, decision(Decision.State.RECONCILING, Reason.Migrating,
        "upgrading base to 5731d674e022"), 2)))
        .containsEntry("status", "Progressing")
        .containsEntry("message", "Migrating: upgrading base to 5731d674e022");
  }

  @Test
  void aPlanAwaitingApprovalIsSuspendedAndProgressesOnceApproved() throws IOException {
    SchemaMigration waiting = resource(2, decision(Decision.State.AWAITING_APPROVAL,
        Reason.AwaitingApproval, "the downgrade of 5731d674e022 to c9d8e7f6a5b4 waits for "
        + "approval"), 2);
    assertThat(health(waiting)).containsEntry("status", "Suspended")
        .containsEntry("message", "AwaitingApproval: the downgrade of 5731d674e022 to "
            + "c9d8e7f6a5b4 waits for approval");
    // Approved: the backup runs, and it is work under way again.
    StatusWriter.apply(waiting.getStatus(), decision(Decision.State.RECONCILING,
        Reason.BackingUp, "backing up"), 2, List.of("5731d674e022"), NOW);
    assertThat(health(waiting)).containsEntry("status", "Progressing");
    // A plan that waited for an older generation is not Suspended for the new one.
    assertThat(health(resource(3, decision(Decision.State.AWAITING_APPROVAL,
        Reason.AwaitingApproval, "waits"), 2))).containsEntry("status", "Progressing");
  }

  @Test
  void aStatusOfAnOlderGenerationIsProgressingEvenIfItWasReady() throws IOException {
    assertThat(health(resource(3, decision(Decision.State.READY, Reason.AtTarget,
        "the database is at 5731d674e022"), 2)))
        .containsEntry("status", "Progressing")
        .containsEntry("message", "Waiting for the operator to observe generation 3");
    assertThat(health(resource(1, null, 0))).containsEntry("status", "Progressing")
        .containsEntry("message", "Waiting for the operator");
  }

  @Test
  void theArgoCdConfigMapPatchCarriesTheSameLua() throws IOException {
    JsonNode patch = new ObjectMapper(new YAMLFactory()).readTree(
        LUA.resolveSibling("argocd-cm-patch.yaml").toFile());
    assertThat(patch.path("data").path(
        "resource.customizations.health.migrations.vectis.dev_SchemaMigration").asText())
        .isEqualTo(Files.readString(LUA));
  }
}
