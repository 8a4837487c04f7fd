package dev.vectis.migrations.api;

/**
 * Regular expressions shared by the CRD schema (through annotations) and the reconciler's own
 * validation, so both reject the same input. They are RE2-compatible: the API server evaluates
 * OpenAPI patterns with Go's regexp.
 */
public final class ApiPatterns {
  /**
   * Every Alembic target form: {@code head}, {@code heads}, {@code base}, ids and prefixes,
   * {@code label@head}, {@code label@base}, {@code label@<rev>}, {@code +N}, {@code -N},
   * {@code rev+N}, {@code label@-N}. No whitespace, quotes or shell metacharacters.
   */
  public static final String TARGET_REVISION =
      "^([A-Za-z0-9_.]+@)?([A-Za-z0-9_.]+([+-][0-9]+)?|[+-][0-9]+)$";

  /** A PostgreSQL identifier we are willing to quote: at most 63 bytes, no quoting needed. */
  public static final String SQL_IDENTIFIER = "^[A-Za-z_][A-Za-z0-9_]{0,62}$";

  /** DNS-1123 subdomain, the rule for Secret and PersistentVolumeClaim names. */
  public static final String DNS1123_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** DNS-1123 label, the rule for namespaces: at most 63 characters (a maxLength, not here). */
  public static final String DNS1123_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** An environment variable name. */
  public static final String ENV_VAR_NAME = "^[A-Za-z_][A-Za-z0-9_]*$";

  /** A container image reference: anything without whitespace. */
  public static final String IMAGE = "^\\S+$";

  /** A Kubernetes quantity such as 10Gi or 500M. */
  public static final String QUANTITY = "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$";

  private ApiPatterns() {}
}
