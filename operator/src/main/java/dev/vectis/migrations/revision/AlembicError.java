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

  AlembicError(String message, String alembicCrash) {
    super(message, null, false, false);
    this.alembicCrash = alembicCrash;
  }

  /** The Python exception Alembic would crash with ({@code AssertionError}, {@code KeyError}…). */
  public Optional<String> alembicCrash() {
    return Optional.ofNullable(alembicCrash);
  }
}
