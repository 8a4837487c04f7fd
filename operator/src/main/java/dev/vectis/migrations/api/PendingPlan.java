package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** A plan waiting for approval (spec.approval.required). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PendingPlan {
  @JsonPropertyDescription("Hash of everything that decides what will run: image, version table "
      + "rows, target, steps, backup. Approve with the annotation "
      + "migrations.vectis.dev/approve set to this value.")
  public String planHash;

  @JsonPropertyDescription("upgrade or downgrade.")
  public String direction;

  @JsonPropertyDescription("Version table rows now, comma-joined; empty means base.")
  public String from;

  @JsonPropertyDescription("Version table rows after the plan, comma-joined; empty means base.")
  public String to;

  @JsonPropertyDescription("The image whose scripts will run.")
  public String image;

  @JsonPropertyDescription("The revisions that will run (or be undone), in order.")
  public List<PendingRevision> steps;

  @JsonPropertyDescription("Whether a verified backup is taken before the plan runs.")
  public Boolean backup;

  @JsonPropertyDescription("RFC 3339: when the plan began to wait.")
  public String since;
}
