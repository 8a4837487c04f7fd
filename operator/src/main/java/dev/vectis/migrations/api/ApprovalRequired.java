package dev.vectis.migrations.api;

/** Which plans wait for a person's approval (spec.approval.required). */
public enum ApprovalRequired {
  None,
  Downgrade,
  Any
}
