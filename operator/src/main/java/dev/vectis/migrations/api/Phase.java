package dev.vectis.migrations.api;

public enum Phase {
  Pending,
  Inspecting,
  Rehearsing,
  BackingUp,
  Migrating,
  Seeding,
  AwaitingApproval,
  Ready,
  Blocked,
  Failed
}
