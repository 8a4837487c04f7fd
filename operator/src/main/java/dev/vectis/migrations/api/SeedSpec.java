package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SeedSpec {
  @JsonPropertyDescription("Idempotent seed command run in the image's alembic workingDir, "
      + "e.g. [python, -m, vectis.core.seed]. Empty: no seed.")
  public List<String> command = new ArrayList<>();

  @Default("AfterUpgrade")
  @JsonPropertyDescription("AfterUpgrade: after each upgrade that changed the database. Always: "
      + "after every migration, downgrades too. Never: not at all.")
  public SeedWhen when = SeedWhen.AfterUpgrade;
}
