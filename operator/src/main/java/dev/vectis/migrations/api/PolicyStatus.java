package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PolicyStatus {
  @JsonPropertyDescription("Lint findings of the pending revisions (at most 20, deny first).")
  public List<PolicyFinding> findings;

  @JsonPropertyDescription("How many findings there are in all.")
  public Integer total;

  @JsonPropertyDescription("How many of them are deny and not waived.")
  public Integer denied;

  @JsonPropertyDescription("The revisions that were linted, in the order they would run.")
  public List<String> checked;
}
