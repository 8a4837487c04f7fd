package dev.vectis.migrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RehearsalSpec {
  @Required
  @JsonPropertyDescription("Secret of a scratch PostgreSQL database (same keys as "
      + "spec.database.secretRef). Before production is backed up or migrated, a Job WIPES "
      + "this database's non-system schemas, restores a schema-only copy of production (and "
      + "its version table rows) into it, and runs the pending migration, its reverse back "
      + "to production's revision and the migration again; a failure is "
      + "Stalled/RehearsalFailed and production is untouched. Never point it at a database "
      + "whose content matters.")
  public SecretRef databaseSecretRef;
}
