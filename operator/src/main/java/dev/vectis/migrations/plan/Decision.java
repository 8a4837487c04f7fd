package dev.vectis.migrations.plan;

import dev.vectis.migrations.api.PendingRevision;
import dev.vectis.migrations.api.Phase;
import java.util.List;

/**
 * The outcome of one decision: the action, and what the status must say about it.
 *
 * @param state READY, RECONCILING or STALLED (kstatus)
 * @param resolvedTarget the target resolved for this generation (rows, comma-joined), or null
 *     when it could not be resolved
 * @param pending the revisions still to run, in order
 * @param heads the heads of the spec image's graph, when known
 */
public record Decision(Action action, State state, Phase phase, Reason reason, String message,
    String resolvedTarget, List<PendingRevision> pending, List<String> heads) {
  public enum State {
    READY,
    RECONCILING,
    STALLED
  }

  public Decision {
    pending = pending == null ? List.of() : List.copyOf(pending);
    heads = heads == null ? null : List.copyOf(heads);
  }
}
