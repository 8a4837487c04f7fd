package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.LinkedHashMap;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PolicySpec {
  @JsonPropertyDescription("Lint rule id -> deny | warn | off, over the defaults: "
      + "missing-downgrade, not-null-without-default, multiple-heads deny; empty-migration, "
      + "non-bigint-primary-key, destructive-operation, index-without-concurrently, raw-sql, "
      + "invalid-waiver warn. A deny finding in a pending revision stops the resource as "
      + "Stalled/PolicyViolation before anything touches the database.")
  public Map<String, RuleSeverity> rules = new LinkedHashMap<>();
}
