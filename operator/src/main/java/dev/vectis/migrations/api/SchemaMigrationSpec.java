package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SchemaMigrationSpec {
  @Required
  @Pattern(ApiPatterns.IMAGE)
  @Size(min = 1, max = 512)
  @JsonPropertyDescription("Container image that holds alembic.ini and the versions/ scripts; "
      + "migrations and the seed run with it.")
  public String image;

  @Default("head")
  @Pattern(ApiPatterns.TARGET_REVISION)
  @Size(max = 255)
  @JsonPropertyDescription("Alembic revision the database must be at: head, heads, base, an id or "
      + "unique prefix, <label>@head, <label>@base, +N, -N, <id>+N, <label>@-N. A relative target is "
      + "resolved once per generation.")
  public String targetRevision = "head";

  @JsonPropertyDescription("How to run Alembic inside the image.")
  public AlembicSpec alembic = new AlembicSpec();

  @Required
  @JsonPropertyDescription("The PostgreSQL database to migrate.")
  public DatabaseSpec database;

  @JsonPropertyDescription("Whether a target behind the database may be applied.")
  public DowngradeSpec downgrade = new DowngradeSpec();

  @JsonPropertyDescription("Backups taken with pg_dump before downgrades.")
  public BackupSpec backup = new BackupSpec();

  @JsonPropertyDescription("Idempotent seed command run after migrations.")
  public SeedSpec seed = new SeedSpec();

  @JsonPropertyDescription("The lint rules' severities for the pending revisions.")
  public PolicySpec policy = new PolicySpec();

  @JsonPropertyDescription("Optional: rehearse the pending migration on a scratch database "
      + "before production (upgrade, back, and again).")
  public RehearsalSpec rehearsal;

  @JsonPropertyDescription("Which plans wait for a person's approval before they run.")
  public ApprovalSpec approval = new ApprovalSpec();

  @JsonPropertyDescription("How much of the run history status.history keeps.")
  public HistorySpec history = new HistorySpec();

  @JsonPropertyDescription("Settings merged into the pods of every Job the operator creates.")
  public PodTemplate podTemplate = new PodTemplate();

  @Default("3600")
  @Min(60)
  @Max(604800)
  @JsonPropertyDescription("activeDeadlineSeconds of every Job; a migration killed at this deadline "
      + "counts as failed.")
  public Integer jobDeadlineSeconds = 3600;

  @Size(max = 253)
  @JsonPropertyDescription("Change this value to retry after a failure.")
  public String retryToken = "";
}
