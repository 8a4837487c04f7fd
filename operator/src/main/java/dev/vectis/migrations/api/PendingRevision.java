package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PendingRevision {
  @JsonPropertyDescription("Revision id.")
  public String revision;

  @JsonPropertyDescription("The revision's message.")
  public String message;

  public PendingRevision() {}

  public PendingRevision(String revision, String message) {
    this.revision = revision;
    this.message = message;
  }
}
