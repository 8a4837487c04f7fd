package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** An approved plan: which hash, and when the operator saw the approval (not who gave it). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ApprovalRecord {
  @JsonPropertyDescription("The planHash that was approved.")
  public String planHash;

  @JsonPropertyDescription("RFC 3339: when the operator found the approval and started the plan.")
  public String approvedAt;
}
