package dev.vectis.migrations.plan;

import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

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
 * @param cachedImages the graphs of the other images this resource used before (the graph
 *     cache), besides the spec's and the applied image, most recently stored first: what a
 *     diagnosis of a revision the spec's image does not contain looks in. Gathered only then
 *     (the observer need not parse them otherwise); empty when not gathered
 * @param existingTables the tables of the database, read only when the version table holds no
 *     rows (null when not read): each as {@code schema.table}, and those of the connection's
 *     current schema also by their bare name. A diagnosis of a schema that is there without
 *     its version rows compares them with the tables the pending revisions create
 */
public record Observation(long generation, SchemaMigrationSpec spec, SchemaMigrationStatus status,
    String runningJobAction, Inspection specImage, Inspection appliedImage,
    DatabaseState database, DatabaseState scratchDatabase, String approvedPlan,
    String databaseKey, Map<String, Inspection> cachedImages, Set<String> existingTables) {
  public Observation {
    status = status == null ? new SchemaMigrationStatus() : status;
    appliedImage = appliedImage == null ? Inspection.unknown() : appliedImage;
    scratchDatabase = scratchDatabase == null ? new DatabaseState.Rows(java.util.List.of())
        : scratchDatabase;
    // Insertion order is meaningful (most recent first): kept, and not changeable.
    cachedImages = cachedImages == null ? Map.of()
        : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(cachedImages));
    existingTables = existingTables == null ? null : Set.copyOf(existingTables);
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

  public Observation(long generation, SchemaMigrationSpec spec, SchemaMigrationStatus status,
      String runningJobAction, Inspection specImage, Inspection appliedImage,
      DatabaseState database, DatabaseState scratchDatabase, String approvedPlan,
      String databaseKey) {
    this(generation, spec, status, runningJobAction, specImage, appliedImage, database,
        scratchDatabase, approvedPlan, databaseKey, null, null);
  }

  /** This observation with the plan hash a person approved. */
  public Observation approving(String planHash) {
    return new Observation(generation, spec, status, runningJobAction, specImage, appliedImage,
        database, scratchDatabase, planHash, databaseKey, cachedImages, existingTables);
  }

  /** This observation with the identity of the database its rows were read from. */
  public Observation onDatabase(String key) {
    return new Observation(generation, spec, status, runningJobAction, specImage, appliedImage,
        database, scratchDatabase, approvedPlan, key, cachedImages, existingTables);
  }

  /** This observation with the cached graphs of other images (see {@link #cachedImages}). */
  public Observation withCachedImages(Map<String, Inspection> images) {
    return new Observation(generation, spec, status, runningJobAction, specImage, appliedImage,
        database, scratchDatabase, approvedPlan, databaseKey, images, existingTables);
  }

  /** This observation with the database's tables (see {@link #existingTables}). */
  public Observation withExistingTables(Set<String> tables) {
    return new Observation(generation, spec, status, runningJobAction, specImage, appliedImage,
        database, scratchDatabase, approvedPlan, databaseKey, cachedImages, tables);
  }
}
