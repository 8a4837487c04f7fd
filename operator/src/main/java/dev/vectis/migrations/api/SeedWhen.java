package dev.vectis.migrations.api;

public enum SeedWhen {
  AfterUpgrade,
  Always,
  Never
}
