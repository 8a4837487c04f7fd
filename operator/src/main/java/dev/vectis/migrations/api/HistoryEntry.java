package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One finished run (a backup, rehearsal, migration or seed), in status.history. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HistoryEntry {
  @JsonPropertyDescription("backup, rehearse, migrate or seed.")
  public String action;

  @JsonPropertyDescription("upgrade or downgrade (migrations and rehearsals).")
  public String direction;

  @JsonPropertyDescription("Version table rows before, comma-joined; empty means base.")
  public String from;

  @JsonPropertyDescription("Version table rows after (or planned, for a failure), comma-joined.")
  public String to;

  @JsonPropertyDescription("The image whose scripts ran.")
  public String image;

  @JsonPropertyDescription("The Job.")
  public String job;

  @JsonPropertyDescription("RFC 3339.")
  public String startedAt;

  @JsonPropertyDescription("RFC 3339.")
  public String completedAt;

  @JsonPropertyDescription("Succeeded, or the reason of the failure (MigrationFailed, ...).")
  public String result;

  @JsonPropertyDescription("For a backup: where the dump is; for a migration: the backup taken "
      + "before it, if any.")
  public String backup;

  @JsonPropertyDescription("For an approved plan: the planHash approved.")
  public String planHash;
}
