package dev.vectis.migrations.plan;

import dev.vectis.migrations.api.ActiveJob;
import dev.vectis.migrations.api.BackupRecord;
import dev.vectis.migrations.api.HistoryEntry;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.revision.InspectionScript;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a finished action means, decided once for the operator and local mode: from the
 * action recorded in {@code status.activeJob}, its {@link ActionResult} and the version rows
 * read afterwards, to the status it leaves. Pure; the time is given.
 */
public final class Outcomes {
  private static final Pattern RUNNING = Pattern.compile(
      "Running (upgrade|downgrade) (.*) -> ([^,]*)(, .*)?$");

  private Outcomes() {}

  /**
   * What was recorded.
   *
   * @param events the transitions worth an Event
   * @param kind what happened, for metrics and the runtime's next step
   * @param graphOutput for a successful inspection: the output to cache as the image's graph
   */
  public record Recorded(List<String> events, Kind kind, String graphOutput) {}

  public enum Kind {
    SUCCEEDED,
    FAILED,
    /** The database was not at the planned rows: nothing ran; observe and plan again. */
    DATABASE_MOVED,
    /** The action never ran: run it again after a delay. */
    RUN_AGAIN,
    /** Finished, but the rows cannot be read to verify it: record it once they can. */
    AWAITING_VERIFICATION
  }

  /** The length of status.history when the spec does not say (spec.history.limit). */
  public static final int DEFAULT_HISTORY = 10;
  /** The most status.history keeps, whatever the spec says (the CRD's maximum). */
  public static final int MAX_HISTORY = 50;

  /** spec.history.limit, or null for the default. */
  public static Integer historyLimit(dev.vectis.migrations.api.SchemaMigrationSpec spec) {
    return spec.history == null ? null : spec.history.limit;
  }

  /**
   * Records a finished action, and the run in status.history (newest first, at most
   * {@code historyLimit}); an inspection, or an action that did not run, is not a run.
   */
  public static Recorded finished(SchemaMigrationStatus status, ActionResult result,
      DatabaseState after, long generation, String now, Integer historyLimit) {
    ActiveJob active = status.activeJob;
    Recorded recorded = record(status, result, after, generation, now);
    if (!"inspect".equals(active.action)
        && (recorded.kind() == Kind.SUCCEEDED || recorded.kind() == Kind.FAILED)) {
      remember(status, active, recorded.kind(), now, historyLimit);
    }
    return recorded;
  }

  private static void remember(SchemaMigrationStatus status, ActiveJob active, Kind kind,
      String now, Integer historyLimit) {
    HistoryEntry entry = new HistoryEntry();
    entry.action = active.action;
    entry.direction = active.direction;
    entry.from = active.from == null ? "" : active.from;
    entry.image = active.image;
    entry.job = active.name;
    entry.startedAt = active.startedAt;
    entry.completedAt = now;
    entry.planHash = active.planHash;
    if (kind == Kind.SUCCEEDED) {
      entry.result = "Succeeded";
    } else {
      entry.result = status.conditions.stream()
          .filter(condition -> StatusWriter.STALLED.equals(condition.getType()))
          .map(io.fabric8.kubernetes.api.model.Condition::getReason).findFirst()
          .orElse("Failed");
    }
    switch (active.action) {
      case "migrate" -> {
        entry.to = kind == Kind.SUCCEEDED ? status.currentRevision : active.to;
        BackupRecord backup = status.lastBackup;
        if ("downgrade".equals(active.direction) && backup != null
            && Decider.sameRows(Decider.split(backup.revision), Decider.split(active.from))) {
          entry.backup = backup.location;
        }
      }
      case "backup" -> {
        entry.to = entry.from;
        entry.backup = kind == Kind.SUCCEEDED && status.lastBackup != null
            ? status.lastBackup.location : null;
      }
      case "rehearse" -> entry.to = active.to;
      default -> entry.to = entry.from;
    }
    int limit = Math.max(1, Math.min(MAX_HISTORY,
        historyLimit == null ? DEFAULT_HISTORY : historyLimit));
    List<HistoryEntry> history = new java.util.ArrayList<>();
    history.add(entry);
    if (status.history != null) {
      history.addAll(status.history);
    }
    status.history = new java.util.ArrayList<>(history.subList(0, Math.min(limit,
        history.size())));
  }

  /** As above, with a history of {@value #DEFAULT_HISTORY}. */
  public static Recorded finished(SchemaMigrationStatus status, ActionResult result,
      DatabaseState after, long generation, String now) {
    return finished(status, result, after, generation, now, null);
  }

  private static Recorded record(SchemaMigrationStatus status, ActionResult result,
      DatabaseState after, long generation, String now) {
    ActiveJob active = status.activeJob;
    if (result.ending() == ActionResult.Ending.NEVER_RAN) {
      status.activeJob = null;
      return new Recorded(List.of("Reconciling/JobNotStarted: the " + active.action + " "
          + active.name + " failed before it ran (evicted, or its image could not be pulled); "
          + "it will run again"), Kind.RUN_AGAIN, null);
    }
    if (result.ending() == ActionResult.Ending.LOST) {
      return lost(status, active, after, generation, now);
    }
    return switch (active.action) {
      case "inspect" -> inspected(status, active, result, generation, now);
      case "backup" -> backedUp(status, active, result, generation, now);
      case "rehearse" -> rehearsed(status, active, result, generation, now);
      case "seed" -> seeded(status, active, result, after, generation, now);
      default -> migrated(status, active, result, after, generation, now);
    };
  }

  private static Recorded inspected(SchemaMigrationStatus status, ActiveJob active,
      ActionResult result, long generation, String now) {
    InspectionScript.Result graph = InspectionScript.parse(result.output());
    if (result.succeeded() && graph.ok()) {
      status.activeJob = null;
      return new Recorded(List.of(), Kind.SUCCEEDED, result.output());
    }
    return failed(status, Reason.InspectionFailed, "inspecting " + active.image + " failed"
        + how(result) + ": " + (graph.ok() ? tail(result.output()) : graph.error()),
        generation, now);
  }

  private static Recorded backedUp(SchemaMigrationStatus status, ActiveJob active,
      ActionResult result, long generation, String now) {
    if (result.succeeded() && result.backup() != null) {
      ActionResult.Backup backup = result.backup();
      StatusWriter.backedUp(status, backup.location(), backup.sizeBytes(), backup.sha256(),
          Decider.split(active.from), generation, now);
      return new Recorded(List.of("Normal/BackupCompleted: " + backup.location()),
          Kind.SUCCEEDED, null);
    }
    return failed(status, Reason.BackupFailed, "the backup " + active.name + " failed"
        + how(result) + ": " + tail(result.output()), generation, now);
  }

  private static Recorded rehearsed(SchemaMigrationStatus status, ActiveJob active,
      ActionResult result, long generation, String now) {
    String what = "alembic " + active.direction + " " + active.target + " from "
        + Decider.describe(Decider.split(active.from));
    if (result.succeeded()) {
      StatusWriter.rehearsed(status, active, now);
      return new Recorded(List.of("Normal/Rehearsed: " + what + ", back and again ran on the "
          + "scratch database (" + active.name + ")"), Kind.SUCCEEDED, null);
    }
    String step = RehearsalOutput.failedStep(result.output());
    return failed(status, Reason.RehearsalFailed, "the rehearsal " + active.name + " of "
        + what + " failed" + how(result) + (step == null ? "" : " at " + step) + ": "
        + FailureOutput.summary(result.output()) + ". Production was not touched; fix the "
        + "revision and build a new image (or change spec.retryToken to rehearse again)",
        generation, now);
  }

  private static Recorded seeded(SchemaMigrationStatus status, ActiveJob active,
      ActionResult result, DatabaseState after, long generation, String now) {
    if (moved(result)) {
      return databaseMoved(status, active, after);
    }
    if (result.succeeded()) {
      StatusWriter.seeded(status, Decider.split(active.from), now);
      return new Recorded(List.of("Normal/Seeded: " + Decider.describe(
          Decider.split(active.from))), Kind.SUCCEEDED, null);
    }
    return failed(status, Reason.SeedFailed, "the seed failed" + how(result) + ": "
        + FailureOutput.summary(result.output()), generation, now);
  }

  private static Recorded migrated(SchemaMigrationStatus status, ActiveJob active,
      ActionResult result, DatabaseState after, long generation, String now) {
    if (moved(result)) {
      return databaseMoved(status, active, after);
    }
    Action.Migrate migrate = new Action.Migrate("upgrade".equals(active.direction),
        active.target, active.image, Decider.split(active.from), Decider.split(active.to),
        List.of());
    String what = "alembic " + active.direction + " " + active.target;
    if (result.succeeded()) {
      if (!(after instanceof DatabaseState.Rows rows)) {
        return new Recorded(List.of(), Kind.AWAITING_VERIFICATION, null);
      }
      List<String> events = StatusWriter.migrated(status, migrate, active.name,
          active.startedAt, rows.rows(), generation, now);
      return new Recorded(events, events.isEmpty() ? Kind.SUCCEEDED : Kind.FAILED, null);
    }
    if (result.ending() == ActionResult.Ending.EXITED
        && result.exitCode() == ActionResult.LOCK_TIMEOUT) {
      return failed(status, Reason.MigrationFailed, what + " did not start: another migration "
          + "held this database's migration lock until the wait ended; nothing was run",
          generation, now);
    }
    StringBuilder message = new StringBuilder(what).append(" failed").append(how(result));
    String failedIn = lastRevisionStarted(result.output());
    if (failedIn != null) {
      message.append(" in revision ").append(failedIn);
    }
    message.append(": ").append(FailureOutput.summary(result.output()));
    if (after instanceof DatabaseState.Rows rows) {
      status.currentRevision = String.join(",", rows.rows());
      if (!Decider.sameRows(rows.rows(), migrate.from())) {
        message.append(". Revisions before it were committed: the version table is at ")
            .append(Decider.describe(rows.rows())).append(" (was ")
            .append(Decider.describe(migrate.from())).append(')');
      } else {
        message.append(". The version table is still at ")
            .append(Decider.describe(rows.rows()));
      }
      if (failedIn != null) {
        message.append("; ").append(failedIn).append(" itself may be partly applied if it "
            + "has steps outside a transaction (autocommit_block, CREATE INDEX CONCURRENTLY: "
            + "look for INVALID indexes)");
      }
    } else {
      message.append(". Where the database stands is unknown: it cannot be read now");
    }
    return failed(status, Reason.MigrationFailed, message.toString(), generation, now);
  }

  /**
   * A Job that ran and vanished before its result was read. Inspections and backups change
   * nothing and run again; a migration that reached its rows is recorded as done; anything
   * else waits for a person (retryToken), since running it again could run it twice.
   */
  private static Recorded lost(SchemaMigrationStatus status, ActiveJob active,
      DatabaseState after, long generation, String now) {
    if ("inspect".equals(active.action) || "backup".equals(active.action)
        || "rehearse".equals(active.action)) {
      status.activeJob = null;
      return new Recorded(List.of("Reconciling/JobLost: the " + active.action + " " + active.name
          + " vanished before its result was read; it will run again"), Kind.RUN_AGAIN, null);
    }
    if (!(after instanceof DatabaseState.Rows rows)) {
      return new Recorded(List.of(), Kind.AWAITING_VERIFICATION, null);
    }
    List<String> from = Decider.split(active.from);
    List<String> to = Decider.split(active.to);
    if ("migrate".equals(active.action) && Decider.sameRows(rows.rows(), to)
        && !Decider.sameRows(rows.rows(), from)) {
      return migrated(status, active, ActionResult.exited(0, ""), after, generation, now);
    }
    return failed(status, Reason.JobLost, "the " + active.action + " " + active.name
        + " ended without its result being read (its Job was removed by its TTL or by a "
        + "person, or the run that started it was killed), and the database (at "
        + Decider.describe(rows.rows()) + ") cannot tell whether it "
        + ("seed".equals(active.action) ? "succeeded" : "ran") + "; it is not run again on its "
        + "own: check the database, then change spec.retryToken (or run again locally)",
        generation, now);
  }

  private static boolean moved(ActionResult result) {
    return result.ending() == ActionResult.Ending.EXITED
        && result.exitCode() == ActionResult.DATABASE_MOVED;
  }

  private static Recorded databaseMoved(SchemaMigrationStatus status, ActiveJob active,
      DatabaseState after) {
    status.activeJob = null;
    String found = after instanceof DatabaseState.Rows rows ? Decider.describe(rows.rows())
        : "other rows";
    return new Recorded(List.of("Normal/DatabaseMoved: the " + active.action + " was planned "
        + "from " + Decider.describe(Decider.split(active.from)) + " but the database is at "
        + found + "; nothing ran, planning again"), Kind.DATABASE_MOVED, null);
  }

  private static Recorded failed(SchemaMigrationStatus status, Reason reason, String message,
      long generation, String now) {
    return new Recorded(StatusWriter.failed(status, reason, message, generation, now),
        Kind.FAILED, null);
  }

  /** Why it ended, when it did not exit by itself. */
  private static String how(ActionResult result) {
    return switch (result.ending()) {
      case DEADLINE_EXCEEDED -> " (killed at its deadline)";
      case OUT_OF_MEMORY -> " (killed: out of memory)";
      case INTERRUPTED -> " (interrupted)";
      default -> result.exitCode() > 0 ? " (exit " + result.exitCode() + ")" : "";
    };
  }

  /** The revision Alembic was running when it stopped: the last "Running ... -> X" line. */
  static String lastRevisionStarted(String output) {
    String last = null;
    for (String line : output.lines().toList()) {
      Matcher running = RUNNING.matcher(line.strip());
      if (running.find()) {
        last = "upgrade".equals(running.group(1)) ? running.group(3).strip()
            : running.group(2).strip();
        String name = running.group(4);
        if (name != null) {
          last += " (" + name.substring(2).strip() + ")";
        }
      }
    }
    return last;
  }

  private static String tail(String output) {
    String trimmed = output.strip();
    return trimmed.length() > 600 ? "…" + trimmed.substring(trimmed.length() - 600) : trimmed;
  }
}
