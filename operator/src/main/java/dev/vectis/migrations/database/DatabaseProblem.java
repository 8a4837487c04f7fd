package dev.vectis.migrations.database;

import dev.vectis.migrations.plan.DatabaseState;
import dev.vectis.migrations.plan.Reason;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;

/**
 * Why the database could not be used, in words a platform engineer acts on, and whether
 * waiting can help (transient: retried with backoff) or a person must act (permanent).
 */
public record DatabaseProblem(Kind kind, String message, boolean transientProblem) {
  public enum Kind {
    UNREACHABLE,
    AUTHENTICATION_FAILED,
    DATABASE_MISSING,
    PERMISSION_DENIED,
    TLS_REQUIRED,
    /** The version table exists but is not Alembic's (no version_num column). */
    INVALID_VERSION_TABLE,
    OTHER
  }

  /**
   * What the decision sees: a transient problem is waited for, a permanent one stalls with
   * the reason a person acts on.
   */
  public DatabaseState state() {
    if (transientProblem) {
      return new DatabaseState.Unavailable(message);
    }
    Reason reason = switch (kind) {
      case AUTHENTICATION_FAILED -> Reason.DatabaseAuthFailed;
      case DATABASE_MISSING -> Reason.DatabaseNotFound;
      case PERMISSION_DENIED -> Reason.PermissionDenied;
      case INVALID_VERSION_TABLE -> Reason.InvalidVersionTable;
      default -> Reason.InvalidSpec;
    };
    return new DatabaseState.Unusable(reason, message);
  }

  /** Classifies a JDBC failure; the message is masked and names the database and user. */
  public static DatabaseProblem classify(SQLException error, ConnectionSettings settings) {
    String state = error.getSQLState() == null ? "" : error.getSQLState();
    String text = String.valueOf(error.getMessage());
    String lower = text.toLowerCase(java.util.Locale.ROOT);
    String where = settings.host() + ":" + settings.port();
    if (lower.contains("ssl") && (lower.contains("no pg_hba.conf entry") || lower.contains(
        "does not support ssl") || lower.contains("ssl off") || lower.contains("ssl on"))) {
      return new DatabaseProblem(Kind.TLS_REQUIRED, "the TLS setting (sslmode "
          + settings.sslMode().libpqName() + ") does not match what the server at " + where
          + " accepts; set spec.database.sslMode accordingly", false);
    }
    if (state.equals("28P01") || state.equals("28000")) {
      return new DatabaseProblem(Kind.AUTHENTICATION_FAILED, "authentication failed for user \""
          + settings.user() + "\" at " + where + "; check the password (the Secret's; in local "
          + "mode PGPASSWORD, ~/.pgpass or --password-file)", false);
    }
    if (state.equals("3D000")) {
      return new DatabaseProblem(Kind.DATABASE_MISSING, "database \"" + settings.database()
          + "\" does not exist on " + where, false);
    }
    if (state.equals("42501")) {
      return new DatabaseProblem(Kind.PERMISSION_DENIED, "permission denied for user \""
          + settings.user() + "\": " + settings.masker().mask(firstLine(text)), false);
    }
    if (state.equals("42703")) {
      return new DatabaseProblem(Kind.INVALID_VERSION_TABLE, "the version table exists but is "
          + "not Alembic's: " + settings.masker().mask(firstLine(text)) + "; point "
          + "spec.alembic.versionTable (and versionTableSchema) at Alembic's table", false);
    }
    if (state.startsWith("08") || state.startsWith("57P") || hasCause(error)) {
      return new DatabaseProblem(Kind.UNREACHABLE, "cannot reach PostgreSQL at " + where
          + " (" + settings.masker().mask(firstLine(text)) + ")", true);
    }
    return new DatabaseProblem(Kind.OTHER, settings.masker().mask(firstLine(text)), true);
  }

  private static boolean hasCause(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof ConnectException || cause instanceof UnknownHostException
          || cause instanceof NoRouteToHostException || cause instanceof SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
