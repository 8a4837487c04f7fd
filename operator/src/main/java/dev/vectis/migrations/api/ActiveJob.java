package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ActiveJob {
  @JsonPropertyDescription("Name of the Job.")
  public String name;

  @JsonPropertyDescription("What it does: inspect, backup, migrate or seed.")
  public String action;

  @JsonPropertyDescription("When the operator decided to start it (RFC 3339).")
  public String startedAt;

  @JsonPropertyDescription("Image the Job runs.")
  public String image;

  @JsonPropertyDescription("Version table rows when the Job started, comma-joined.")
  public String from;

  @JsonPropertyDescription("Rows a migration is expected to leave, comma-joined.")
  public String to;

  @JsonPropertyDescription("For a migration: upgrade or downgrade, and the alembic argument.")
  public String direction;

  @JsonPropertyDescription("The alembic target argument of a migration.")
  public String target;

  @JsonPropertyDescription("The approved plan this Job carries out (spec.approval), if any.")
  public String planHash;

  @JsonPropertyDescription("True once the Job was created: if it is then missing, it ran and "
      + "was removed (TTL, a person), and is judged from the database instead of run again.")
  public Boolean created;
}
