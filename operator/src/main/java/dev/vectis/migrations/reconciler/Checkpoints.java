package dev.vectis.migrations.reconciler;

import dev.vectis.migrations.api.SchemaMigration;

/**
 * Named points of a reconcile that creates a Job, where a test can stop the operator (by
 * throwing, or by halting the thread) to prove what a restarted operator finds there. The
 * operator itself passes {@link #NONE}.
 */
@FunctionalInterface
public interface Checkpoints {
  Checkpoints NONE = (point, resource) -> {};

  enum Point {
    /** The status names the Job about to be created; the Job does not exist yet. */
    STATUS_WRITTEN_BEFORE_JOB,
    /** The Job exists; the status does not yet say it was created. */
    JOB_CREATED
  }

  void reached(Point point, SchemaMigration resource);
}
