package dev.vectis.migrations.plan;

/**
 * Condition reasons (DESIGN §3): what kstatus, Argo CD and people read. The constant's name is
 * the reason as written in the status.
 */
public enum Reason {
  // Reconciling: work under way, or a transient fault retried with backoff.
  Inspecting,
  Rehearsing,
  BackingUp,
  Migrating,
  Seeding,
  WaitingForDatabase,
  /** The operator itself failed (an API error, a bug): retried, then Stalled. */
  ReconcileError,

  // Neither Reconciling nor Stalled: a plan waits for a person's approval (spec.approval).
  AwaitingApproval,

  // Stalled: a person must act.
  DowngradeNotAllowed,
  MultipleHeads,
  UnknownRevision,
  AmbiguousRevision,
  MissingDowngrade,
  InvalidSpec,
  /**
   * The database is at a revision no image this resource knows contains (spec.image,
   * status.appliedImage, the cached graphs of earlier images).
   */
  RevisionInNoImage,
  /** The version table holds two rows where one is an ancestor of the other. */
  OverlappingVersionRows,
  /**
   * No version rows, while tables the pending revisions create already exist: the first
   * migration would fail half-way ("relation already exists"); the schema wants a stamp.
   */
  UnstampedSchema,
  /** The version table itself is wrong (not Alembic's: no version_num column). */
  InvalidVersionTable,
  DatabaseAuthFailed,
  DatabaseNotFound,
  PermissionDenied,
  /** A pending revision breaks a deny rule of spec.policy (not waived in the revision). */
  PolicyViolation,
  // ... because an action failed: kept until the spec changes (or, locally, the next run).
  MigrationFailed,
  BackupFailed,
  SeedFailed,
  InspectionFailed,
  VerificationFailed,
  /** The rehearsal on the scratch database failed; production was not touched. */
  RehearsalFailed,
  /** A migration or seed whose Job vanished and whose outcome the database cannot tell. */
  JobLost,

  // Ready.
  AtTarget;

  /** A failure of an action that must not be repeated without a person's say. */
  public boolean isFailureOfAnAction() {
    return this == MigrationFailed || this == BackupFailed || this == SeedFailed
        || this == VerificationFailed || this == InspectionFailed || this == JobLost
        || this == RehearsalFailed;
  }

  /**
   * A state of the database a person fixes there (a stamp, a restore), not in the spec: the
   * operator looks again now and then, as it does for an unusable database, so the resource
   * goes on once it is fixed.
   */
  public boolean isFixedInTheDatabase() {
    return this == UnknownRevision || this == RevisionInNoImage
        || this == OverlappingVersionRows || this == UnstampedSchema;
  }

  /** The reason written in a status, or null for one this version does not know. */
  public static Reason parse(String written) {
    for (Reason reason : values()) {
      if (reason.name().equals(written)) {
        return reason;
      }
    }
    return null;
  }
}
