package dev.vectis.migrations.revision;

import java.util.List;

/**
 * The errors of Alembic's revision algebra, mirroring {@code alembic.script.revision}. They
 * stay inside this package: {@link AlembicCommands} turns them into the {@link AlembicError}
 * that the {@code alembic} command line would print.
 */
class RevisionError extends RuntimeException {
  RevisionError(String message) {
    super(message, null, false, false);
  }

  /** {@code MultipleHeads}: a single revision was asked for and several resolved. */
  static final class MultipleHeads extends RevisionError {
    final List<String> heads;
    final String argument;

    MultipleHeads(List<String> heads, String argument) {
      super("Multiple heads are present for given argument '" + argument + "'; "
          + String.join(", ", heads));
      this.heads = heads;
      this.argument = argument;
    }
  }

  /** {@code ResolutionError}: an identifier that does not resolve; the CLI names only the token. */
  static final class ResolutionError extends RevisionError {
    final String argument;

    ResolutionError(String message, String argument) {
      super(message);
      this.argument = argument;
    }
  }

  /** {@code RangeNotAncestorError}: the destination is not reachable from the current heads. */
  static final class RangeNotAncestor extends RevisionError {
    RangeNotAncestor() {
      super("range is not an ancestor");
    }
  }

  /**
   * Where Alembic 1.8 itself stops with a bare {@code AssertionError}, {@code KeyError} or
   * {@code IndexError} (a traceback, not a {@code FAILED:} line). We answer a readable error.
   */
  static final class AlembicCrash extends RevisionError {
    final String pythonException;

    AlembicCrash(String pythonException, String explanation) {
      super(explanation);
      this.pythonException = pythonException;
    }
  }
}
