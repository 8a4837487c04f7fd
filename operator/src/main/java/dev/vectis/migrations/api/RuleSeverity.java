package dev.vectis.migrations.api;

/** What a lint rule's finding does; the names are the ones users write. */
public enum RuleSeverity {
  deny,
  warn,
  off
}
