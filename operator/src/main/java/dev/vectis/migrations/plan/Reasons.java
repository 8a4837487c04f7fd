package dev.vectis.migrations.plan;

/** Condition reasons (DESIGN §3): what kstatus, Argo CD and people read. */
public final class Reasons {
  // Reconciling: work under way, or a transient fault retried with backoff.
  public static final String INSPECTING = "Inspecting";
  public static final String BACKING_UP = "BackingUp";
  public static final String MIGRATING = "Migrating";
  public static final String SEEDING = "Seeding";
  public static final String WAITING_FOR_DATABASE = "WaitingForDatabase";

  // Stalled: a person must act.
  public static final String DOWNGRADE_NOT_ALLOWED = "DowngradeNotAllowed";
  public static final String MULTIPLE_HEADS = "MultipleHeads";
  public static final String UNKNOWN_REVISION = "UnknownRevision";
  public static final String AMBIGUOUS_REVISION = "AmbiguousRevision";
  public static final String MISSING_DOWNGRADE = "MissingDowngrade";
  public static final String MIGRATION_FAILED = "MigrationFailed";
  public static final String BACKUP_FAILED = "BackupFailed";
  public static final String SEED_FAILED = "SeedFailed";
  public static final String INSPECTION_FAILED = "InspectionFailed";
  public static final String VERIFICATION_FAILED = "VerificationFailed";
  public static final String INVALID_SPEC = "InvalidSpec";

  // Ready.
  public static final String AT_TARGET = "AtTarget";

  private Reasons() {}
}
