package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SeedRecord {
  @JsonPropertyDescription("Version table rows the seed ran at.")
  public String revision;

  @JsonPropertyDescription("RFC 3339.")
  public String completedAt;
}
