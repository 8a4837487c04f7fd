package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SeedSpec {
  @JsonPropertyDescription("Idempotent seed command, e.g. [python, -m, vectis.core.seed]. "
      + "Empty: no seed.")
  public List<String> command = new ArrayList<>();

  @Size(max = 4096)
  @JsonPropertyDescription("Directory inside the image where the seed runs; default: the "
      + "image's working directory.")
  public String workingDir;

  @Default("AfterUpgrade")
  @JsonPropertyDescription("AfterUpgrade: after each upgrade that changed the database. Always: "
      + "after every migration, downgrades too. Never: not at all.")
  public SeedWhen when = SeedWhen.AfterUpgrade;
}
