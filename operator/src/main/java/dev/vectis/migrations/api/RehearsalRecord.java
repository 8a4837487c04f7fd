package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RehearsalRecord {
  @JsonPropertyDescription("Which plan was rehearsed: a hash of image, direction, from and to; "
      + "a plan with this key is not rehearsed again.")
  public String plan;

  @JsonPropertyDescription("The image whose scripts were rehearsed.")
  public String image;

  @JsonPropertyDescription("upgrade or downgrade.")
  public String direction;

  @JsonPropertyDescription("Version table rows of production the rehearsal started from.")
  public String from;

  @JsonPropertyDescription("Version table rows the migration leads to.")
  public String to;

  @JsonPropertyDescription("The rehearsal Job.")
  public String job;

  @JsonPropertyDescription("RFC 3339.")
  public String completedAt;
}
