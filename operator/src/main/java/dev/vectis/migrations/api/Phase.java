package dev.vectis.migrations.api;

public enum Phase {
  Pending,
  Inspecting,
  BackingUp,
  Migrating,
  Seeding,
  Ready,
  Blocked,
  Failed
}
