package dev.vectis.migrations.revision;

import java.util.Optional;

/**
 * Why Alembic would refuse a command. {@link #getMessage()} is the text the {@code alembic}
 * command line prints after {@code FAILED: }, verbatim; where Alembic 1.8 would instead crash
 * with a bare Python exception, the message is ours and {@link #alembicCrash()} names that
 * exception.
 */
public final class AlembicError extends RuntimeException {
  private final String alembicCrash;
  private final String detail;

  AlembicError(String message, String alembicCrash) {
    this(message, alembicCrash, message);
  }

  AlembicError(String message, String alembicCrash, String detail) {
    super(message, null, false, false);
    this.alembicCrash = alembicCrash;
    this.detail = detail;
  }

  /**
   * Alembic's own message before the command line shortened it: for an unresolvable
   * identifier the CLI prints only "Can't locate revision identified by 'x'", while this says
   * why (no such revision, an ambiguous prefix, not a member of the branch).
   */
  public String detail() {
    return detail;
  }

  /** The Python exception Alembic would crash with ({@code AssertionError}, {@code KeyError}…). */
  public Optional<String> alembicCrash() {
    return Optional.ofNullable(alembicCrash);
  }
}
