package dev.vectis.migrations.plan;

import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;

/**
 * Everything one decision looks at, gathered before deciding (observe → decide → act).
 *
 * @param generation the resource's metadata.generation
 * @param status the status as stored (what earlier actions recorded)
 * @param runningJobAction the action of the Job still running, or null
 * @param specImage the graph of {@code spec.image}
 * @param appliedImage the graph of {@code status.appliedImage}, when it differs from the spec's
 *     image (a rollback); {@link Inspection.Unknown} otherwise
 * @param database the version table rows, or why they cannot be read
 * @param scratchDatabase for {@code spec.rehearsal}: {@link DatabaseState.Rows} (any) when its
 *     Secret can be used, {@link DatabaseState.Unavailable} while it cannot (a missing
 *     Secret), {@link DatabaseState.Unusable} when a person must act (it is production)
 * @param approvedPlan the plan hash a person approved (the resource's approve annotation, or
 *     local mode's --approve), or null
 * @param databaseKey which database the rows were read from ({@code DatabaseIdentity.key()}),
 *     or null when not known: an approval is for one database
 */
public record Observation(long generation, SchemaMigrationSpec spec, SchemaMigrationStatus status,
    String runningJobAction, Inspection specImage, Inspection appliedImage,
    DatabaseState database, DatabaseState scratchDatabase, String approvedPlan,
    String databaseKey) {
  public Observation {
    status = status == null ? new SchemaMigrationStatus() : status;
    appliedImage = appliedImage == null ? Inspection.unknown() : appliedImage;
    scratchDatabase = scratchDatabase == null ? new DatabaseState.Rows(java.util.List.of())
        : scratchDatabase;
  }

  public Observation(long generation, SchemaMigrationSpec spec, SchemaMigrationStatus status,
      String runningJobAction, Inspection specImage, Inspection appliedImage,
      DatabaseState database) {
    this(generation, spec, status, runningJobAction, specImage, appliedImage, database, null,
        null, null);
  }

  public Observation(long generation, SchemaMigrationSpec spec, SchemaMigrationStatus status,
      String runningJobAction, Inspection specImage, Inspection appliedImage,
      DatabaseState database, DatabaseState scratchDatabase, String approvedPlan) {
    this(generation, spec, status, runningJobAction, specImage, appliedImage, database,
        scratchDatabase, approvedPlan, null);
  }

  /** This observation with the plan hash a person approved. */
  public Observation approving(String planHash) {
    return new Observation(generation, spec, status, runningJobAction, specImage, appliedImage,
        database, scratchDatabase, planHash, databaseKey);
  }

  /** This observation with the identity of the database its rows were read from. */
  public Observation onDatabase(String key) {
    return new Observation(generation, spec, status, runningJobAction, specImage, appliedImage,
        database, scratchDatabase, approvedPlan, key);
  }
}
