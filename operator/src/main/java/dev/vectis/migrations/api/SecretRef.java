package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretRef {
  @Required
  @Pattern(ApiPatterns.DNS1123_SUBDOMAIN)
  @Size(max = 253)
  @JsonPropertyDescription("Name of the Secret, in the SchemaMigration's namespace.")
  public String name;

  @JsonPropertyDescription("Key names in the Secret, when they differ from the defaults.")
  public SecretKeys keys;
}
