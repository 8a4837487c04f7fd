package dev.vectis.migrations.plan;

import dev.vectis.migrations.api.PendingRevision;
import dev.vectis.migrations.api.Phase;
import dev.vectis.migrations.policy.Linter;
import java.util.List;

/**
 * The outcome of one decision: the action, and what the status must say about it.
 *
 * @param state READY, RECONCILING, STALLED (kstatus) or AWAITING_APPROVAL
 * @param resolvedTarget the target resolved for this generation (rows, comma-joined), or null
 *     when it could not be resolved
 * @param pending the revisions still to run, in order
 * @param heads the heads of the spec image's graph, when known
 * @param policy the lint of the revisions the plan runs; null when this decision did not lint
 *     (the status keeps what it says), an empty report when nothing is pending
 * @param approval for a plan that needs approval (spec.approval): the plan and whether it is
 *     approved; null for one that does not
 */
public record Decision(Action action, State state, Phase phase, Reason reason, String message,
    String resolvedTarget, List<PendingRevision> pending, List<String> heads,
    Linter.Report policy, Approvals.Approval approval) {
  public enum State {
    READY,
    RECONCILING,
    STALLED,
    /** Ready, Reconciling and Stalled all False: a person's approval is awaited. */
    AWAITING_APPROVAL
  }

  public Decision {
    pending = pending == null ? List.of() : List.copyOf(pending);
    heads = heads == null ? null : List.copyOf(heads);
  }

  public Decision(Action action, State state, Phase phase, Reason reason, String message,
      String resolvedTarget, List<PendingRevision> pending, List<String> heads) {
    this(action, state, phase, reason, message, resolvedTarget, pending, heads, null, null);
  }

  /** This decision with the lint report it was made with. */
  public Decision withPolicy(Linter.Report report) {
    return new Decision(action, state, phase, reason, message, resolvedTarget, pending, heads,
        report, approval);
  }

  /** This decision about a plan that needs approval. */
  public Decision withApproval(Approvals.Approval given) {
    return new Decision(action, state, phase, reason, message, resolvedTarget, pending, heads,
        policy, given);
  }
}
