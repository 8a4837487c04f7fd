package dev.vectis.migrations.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.vectis.migrations.Sha256;
import dev.vectis.migrations.api.ApprovalRequired;
import dev.vectis.migrations.api.MigrationRecord;
import dev.vectis.migrations.api.PendingPlan;
import dev.vectis.migrations.api.PendingRevision;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Approvals bound to the plan (spec.approval): which plans wait for a person, and the hash a
 * person approves. The hash covers everything that decides what will run, so any change voids
 * an approval given before it: the image, the database (which server and database the rows
 * were read from, and the spec that reaches it), how Alembic is
 * run, the version rows now and after, the steps, whether a backup is taken, the retry token
 * (a retry is approved anew) and the last migration (an approval is spent once its plan ran).
 */
public final class Approvals {
  /** Keys sorted: the same spec always hashes the same, whatever order it was written in. */
  private static final ObjectMapper CANONICAL = JsonMapper.builder()
      .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();

  private Approvals() {}

  /**
   * What a decision says about approval.
   *
   * @param plan the plan as status.pendingPlan shows it (since not set)
   * @param approved whether the resource's approve annotation names this plan
   */
  public record Approval(PendingPlan plan, boolean approved) {
    public String planHash() {
      return plan.planHash;
    }
  }

  static boolean required(SchemaMigrationSpec spec, boolean upgrade) {
    ApprovalRequired required = spec.approval == null || spec.approval.required == null
        ? ApprovalRequired.None : spec.approval.required;
    return required == ApprovalRequired.Any
        || (required == ApprovalRequired.Downgrade && !upgrade);
  }

  /** The plan of {@code migrate} as a person reviews it, with its hash. */
  static PendingPlan plan(SchemaMigrationSpec spec, SchemaMigrationStatus status,
      String databaseKey, Action.Migrate migrate, boolean backup) {
    PendingPlan plan = new PendingPlan();
    plan.direction = migrate.direction();
    plan.from = String.join(",", migrate.from());
    plan.to = String.join(",", migrate.expectedRows());
    plan.image = migrate.image();
    plan.steps = new ArrayList<>();
    for (PendingRevision step : migrate.steps()) {
      plan.steps.add(new PendingRevision(step.revision, step.message));
    }
    plan.backup = backup;
    plan.planHash = hash(spec, status.lastMigration, databaseKey, migrate, backup);
    return plan;
  }

  static String hash(SchemaMigrationSpec spec, MigrationRecord lastMigration,
      String databaseKey, Action.Migrate migrate, boolean backup) {
    Map<String, Object> decisive = new LinkedHashMap<>();
    decisive.put("image", migrate.image());
    decisive.put("databaseIdentity", databaseKey);
    decisive.put("database", spec.database);
    decisive.put("alembic", spec.alembic);
    decisive.put("podTemplate", spec.podTemplate);
    decisive.put("retryToken", spec.retryToken);
    decisive.put("direction", migrate.direction());
    decisive.put("target", migrate.alembicTarget());
    decisive.put("from", migrate.from());
    decisive.put("to", migrate.expectedRows());
    decisive.put("steps", migrate.steps().stream().map(step -> step.revision).toList());
    decisive.put("backup", backup);
    decisive.put("lastMigration", lastMigration == null ? null
        : lastMigration.job + "@" + lastMigration.completedAt);
    try {
      return Sha256.hex(CANONICAL.writeValueAsString(decisive)).substring(0, 16);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize the plan", e);
    }
  }

  /** What the Ready condition says while {@code plan} waits. */
  static String awaitingMessage(SchemaMigrationSpec spec, PendingPlan plan,
      String approvedHash) {
    List<String> steps = plan.steps.stream().map(step -> step.revision
        + (step.message == null || step.message.isEmpty() ? "" : " (" + step.message + ")"))
        .toList();
    StringBuilder message = new StringBuilder("the ").append(plan.direction).append(" of ")
        .append(Decider.describe(Decider.split(plan.from))).append(" to ")
        .append(Decider.describe(Decider.split(plan.to))).append(" with ").append(plan.image)
        .append(plan.direction.equals("upgrade") ? " (running " : " (undoing ")
        .append(String.join(", ", steps))
        .append(Boolean.TRUE.equals(plan.backup) ? ", after a verified backup" : "")
        .append(") waits for approval (spec.approval.required: ")
        .append(spec.approval.required).append("). Review status.pendingPlan, then approve plan ")
        .append(plan.planHash).append(": `kubectl smig approve <name>`, or the annotation ")
        .append(dev.vectis.migrations.api.SchemaMigration.APPROVE_ANNOTATION).append('=')
        .append(plan.planHash).append(" (locally: migrate --approve ").append(plan.planHash)
        .append(')');
    if (approvedHash != null && !approvedHash.isBlank()) {
      message.append(". The approval given (").append(approvedHash).append(") is for another "
          + "plan: the plan changed since it was approved (a new image, moved rows, an edited "
          + "spec), so it is void");
    }
    return message.toString();
  }
}
