package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class DowngradeSpec {
  @Default("false")
  @JsonPropertyDescription("Allow a target behind the database. When false such a target is "
      + "refused with Stalled/DowngradeNotAllowed.")
  public Boolean allow = false;
}
