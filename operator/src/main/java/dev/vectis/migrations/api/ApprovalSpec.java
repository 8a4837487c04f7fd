package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ApprovalSpec {
  @Default("None")
  @JsonPropertyDescription("None: plans run at once. Downgrade: a downgrade waits for approval. "
      + "Any: every migration waits. A waiting plan is shown in status.pendingPlan; approve it "
      + "with the annotation migrations.vectis.dev/approve: <status.pendingPlan.planHash> "
      + "(`schema-migration approve NAMESPACE/NAME`). A changed plan has a new hash and needs a "
      + "new approval.")
  public ApprovalRequired required = ApprovalRequired.None;
}
