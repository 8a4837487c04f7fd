package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SchemaMigrationStatus {
  @JsonPropertyDescription("The generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription("Where the reconciliation is.")
  public Phase phase;

  @JsonPropertyDescription("Rows of the version table, comma-joined; empty means base.")
  public String currentRevision;

  @JsonPropertyDescription("The target resolved for observedGeneration, comma-joined; a relative "
      + "target is resolved once.")
  public String targetRevision;

  @JsonPropertyDescription("Revisions still to apply (or undo), in order.")
  public List<PendingRevision> pending;

  @JsonPropertyDescription("Head revisions of the image's scripts.")
  public List<String> heads;

  @JsonPropertyDescription("The image that last migrated this database; its scripts know "
      + "currentRevision and are used for downgrades the spec's image cannot run.")
  public String appliedImage;

  @JsonPropertyDescription("The Job the operator is waiting for.")
  public ActiveJob activeJob;

  @JsonPropertyDescription("The last migration that ran.")
  public MigrationRecord lastMigration;

  @JsonPropertyDescription("The last verified backup.")
  public BackupRecord lastBackup;

  @JsonPropertyDescription("The last seed run.")
  public SeedRecord lastSeed;

  @JsonPropertyDescription("Lint findings of the pending revisions (spec.policy).")
  public PolicyStatus policy;

  @JsonPropertyDescription("The last plan rehearsed successfully on the scratch database "
      + "(spec.rehearsal).")
  public RehearsalRecord lastRehearsal;

  @JsonPropertyDescription("The plan waiting for approval (spec.approval), while the reason is "
      + "AwaitingApproval.")
  public PendingPlan pendingPlan;

  @JsonPropertyDescription("The last approved plan.")
  public ApprovalRecord lastApproval;

  @JsonPropertyDescription("The last finished runs (backups, rehearsals, migrations, seeds), "
      + "newest first; spec.history.limit long.")
  public List<HistoryEntry> history;

  @JsonPropertyDescription("Ready, Reconciling and Stalled, as kstatus reads them.")
  public List<Condition> conditions = new ArrayList<>();
}
