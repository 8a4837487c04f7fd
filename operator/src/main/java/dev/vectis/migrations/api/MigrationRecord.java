package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MigrationRecord {
  @JsonPropertyDescription("Version table rows before, comma-joined.")
  public String from;

  @JsonPropertyDescription("Version table rows after, comma-joined.")
  public String to;

  @JsonPropertyDescription("upgrade or downgrade.")
  public String direction;

  @JsonPropertyDescription("Image whose scripts ran.")
  public String image;

  @JsonPropertyDescription("Name of the Job.")
  public String job;

  @JsonPropertyDescription("RFC 3339.")
  public String startedAt;

  @JsonPropertyDescription("RFC 3339.")
  public String completedAt;
}
