package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HistorySpec {
  @Default("10")
  @Min(1)
  @Max(50)
  @JsonPropertyDescription("How many finished runs status.history keeps, newest first (1-50).")
  public Integer limit = 10;
}
