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
}
