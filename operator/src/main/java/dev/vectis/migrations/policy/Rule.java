package dev.vectis.migrations.policy;

/**
 * The checks, with their default severities: the Vectis guide's conventions, what its
 * troubleshooting knows, and the rehearsal's outcomes.
 */
public enum Rule {
  MISSING_DOWNGRADE("missing-downgrade", Severity.DENY,
      "downgrade() is absent, raises, or does nothing"),
  EMPTY_MIGRATION("empty-migration", Severity.WARN,
      "upgrade() does nothing (a model module not imported in env.py?)"),
  NOT_NULL_WITHOUT_DEFAULT("not-null-without-default", Severity.DENY,
      "a NOT NULL column added to an existing table without a server default"),
  NON_BIGINT_PRIMARY_KEY("non-bigint-primary-key", Severity.WARN,
      "an integer primary key that is not BigInteger"),
  DESTRUCTIVE_OPERATION("destructive-operation", Severity.WARN,
      "upgrade() drops a table or a column, or changes a type in a way that can lose data"),
  INDEX_WITHOUT_CONCURRENTLY("index-without-concurrently", Severity.WARN,
      "an index created on an existing table without postgresql_concurrently=True"),
  MULTIPLE_HEADS("multiple-heads", Severity.DENY, "the history has more than one head"),
  RAW_SQL("raw-sql", Severity.WARN,
      "SQL text or code the linter cannot check (op.execute, a data migration)"),
  INVALID_WAIVER("invalid-waiver", Severity.WARN,
      "a waiver comment naming no known rule, or without a reason"),
  UPGRADE_FAILED("upgrade-failed", Severity.DENY, "rehearsal: the upgrade failed"),
  DOWNGRADE_FAILED("downgrade-failed", Severity.DENY, "rehearsal: the downgrade failed"),
  ROUNDTRIP_MISMATCH("roundtrip-mismatch", Severity.DENY,
      "rehearsal: the downgrade did not restore the schema, or the upgrade after it did not "
          + "rebuild it");

  private final String id;
  private final Severity defaultSeverity;
  private final String description;

  Rule(String id, Severity defaultSeverity, String description) {
    this.id = id;
    this.defaultSeverity = defaultSeverity;
    this.description = description;
  }

  public String id() {
    return id;
  }

  public Severity defaultSeverity() {
    return defaultSeverity;
  }

  public String description() {
    return description;
  }

  /** The rule with this id, or null. */
  public static Rule byId(String id) {
    for (Rule rule : values()) {
      if (rule.id.equals(id)) {
        return rule;
      }
    }
    return null;
  }

  /** All ids, comma-separated, for messages. */
  public static String ids() {
    return java.util.Arrays.stream(values()).map(Rule::id)
        .collect(java.util.stream.Collectors.joining(", "));
  }
}
