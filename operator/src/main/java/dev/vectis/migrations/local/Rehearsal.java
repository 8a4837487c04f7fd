package dev.vectis.migrations.local;

import dev.vectis.migrations.database.SchemaComparison;
import dev.vectis.migrations.database.SchemaSnapshot;
import dev.vectis.migrations.database.VersionTableReader;
import dev.vectis.migrations.policy.Finding;
import dev.vectis.migrations.policy.RevisionChanges;
import dev.vectis.migrations.policy.Rule;
import dev.vectis.migrations.policy.Severities;
import dev.vectis.migrations.policy.Severity;
import dev.vectis.migrations.revision.MigrationPlan;
import dev.vectis.migrations.revision.RevisionGraph;
import dev.vectis.migrations.revision.SingleDowngrade;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Upgrade, downgrade, upgrade again, revision by revision, with the schema compared after each
 * round trip: the guide's "test both directions" on a throwaway database. The first revision
 * whose upgrade fails, whose downgrade fails, or whose downgrade does not restore the schema
 * (or whose upgrade after it does not rebuild it) ends the rehearsal with a finding: the
 * revisions after it cannot be rehearsed on a broken state. A mismatch its revision waives
 * (or whose rule is off) is not a broken state the user cares about: the rehearsal goes on.
 */
public final class Rehearsal {
  /**
   * What to rehearse and how to judge it.
   *
   * @param steps the upgrade plan's steps from the database's rows, in Alembic's order
   * @param changes the inspection's per-revision facts (file, waivers)
   * @param filePrefix the Alembic directory relative to the project, "" or ending in "/"
   */
  public record Subject(RevisionGraph graph, List<MigrationPlan.Step> steps,
      List<String> startRows, Map<String, RevisionChanges> changes, String filePrefix,
      Severities severities) {}

  /**
   * What happened.
   *
   * @param checked the revisions whose round trip ran (the one it stopped at included)
   * @param stoppedAt the revision the rehearsal stopped at, null when it went through
   */
  public record Result(List<String> checked, List<Finding> findings, String stoppedAt) {}

  /** The driver ended: stopped by a signal, killed by its deadline, or crashed. */
  public static final class Aborted extends Exception {
    Aborted(String message) {
      super(message);
    }
  }

  private final Subject subject;
  private final RehearsalDriver driver;
  private final Connection connection;
  private final VersionTableReader versionTable;
  private final String versionTableSchema;
  private final PrintStream progress;
  private final List<Finding> findings = new ArrayList<>();

  public Rehearsal(Subject subject, RehearsalDriver driver, Connection connection,
      String versionTableSchema, String versionTableName, PrintStream progress) {
    this.subject = subject;
    this.driver = driver;
    this.connection = connection;
    this.versionTable = VersionTableReader.of(versionTableSchema, versionTableName);
    this.versionTableSchema = versionTableSchema;
    this.progress = progress;
  }

  public Result run() throws SQLException, Aborted {
    List<String> checked = new ArrayList<>();
    List<String> rows = subject.startRows();
    SchemaSnapshot before = snapshot();
    int number = 0;
    for (MigrationPlan.Step step : subject.steps()) {
      String revision = step.revision();
      checked.add(revision);
      progress.println("==> [" + ++number + "/" + subject.steps().size() + "] " + revision
          + " " + subject.graph().revision(revision).message());
      Optional<SchemaSnapshot> after = roundTrip(revision, rows, step.versionTableAfter(),
          before);
      if (after.isEmpty()) {
        return new Result(checked, List.copyOf(findings), revision);
      }
      before = after.get();
      rows = step.versionTableAfter();
    }
    return new Result(checked, List.copyOf(findings), null);
  }

  /** One revision's round trip; the schema after it, or empty when the rehearsal stops. */
  private Optional<SchemaSnapshot> roundTrip(String revision, List<String> rowsBefore,
      List<String> rowsAfter, SchemaSnapshot before) throws SQLException, Aborted {
    if (!upgrade(revision, rowsAfter, "")) {
      return Optional.empty();
    }
    SchemaSnapshot after = snapshot();
    Optional<String> target = SingleDowngrade.target(subject.graph(), rowsAfter, revision,
        rowsBefore);
    if (target.isEmpty()) {
      report(Rule.DOWNGRADE_FAILED, revision, null, "no `alembic downgrade` target undoes "
          + "exactly " + revision + " from " + describe(rowsAfter) + " (tried " + revision
          + "@-1, " + revision + "-1 and its parents), so its downgrade cannot be rehearsed "
          + "alone");
      return Optional.empty();
    }
    RehearsalDriver.Answer down = ask(() -> driver.downgrade(target.get()));
    if (!down.ok()) {
      report(Rule.DOWNGRADE_FAILED, revision, lineIn(revision, down), "alembic downgrade "
          + target.get() + " failed: " + down.error());
      return Optional.empty();
    }
    if (!sameRows(rowsBefore, "the downgrade of " + revision, Rule.DOWNGRADE_FAILED,
        revision)) {
      return Optional.empty();
    }
    List<String> restored = SchemaComparison.differences(before, snapshot(), "still present");
    if (!restored.isEmpty() && mismatch(revision, "after the downgrade of " + revision + ": "
        + SchemaComparison.summary(restored))) {
      return Optional.empty();
    }
    if (!upgrade(revision, rowsAfter, " again after its downgrade")) {
      return Optional.empty();
    }
    SchemaSnapshot rebuilt = snapshot();
    List<String> again = SchemaComparison.differences(after, rebuilt, "unexpected");
    if (!again.isEmpty() && mismatch(revision, "after the downgrade and upgrade again of "
        + revision + " (compared with its first upgrade): " + SchemaComparison.summary(again))) {
      return Optional.empty();
    }
    return Optional.of(rebuilt);
  }

  private boolean upgrade(String revision, List<String> rowsAfter, String when)
      throws SQLException, Aborted {
    RehearsalDriver.Answer up = ask(() -> driver.upgrade(revision));
    if (!up.ok()) {
      report(Rule.UPGRADE_FAILED, revision, lineIn(revision, up), "alembic upgrade " + revision
          + when + " failed: " + up.error());
      return false;
    }
    return sameRows(rowsAfter, "the upgrade to " + revision + when, Rule.UPGRADE_FAILED,
        revision);
  }

  /** Whether the version table holds {@code expected}; a finding when it does not. */
  private boolean sameRows(List<String> expected, String what, Rule rule, String revision)
      throws SQLException {
    List<String> rows = versionTable.read(connection);
    if (new HashSet<>(rows).equals(new HashSet<>(expected))) {
      return true;
    }
    report(rule, revision, null, what + " left the version table at " + describe(rows)
        + ", not at " + describe(expected) + " as Alembic's plan says");
    return false;
  }

  /** Reports a mismatch; whether the rehearsal stops (not when waived or off). */
  private boolean mismatch(String revision, String message) {
    return report(Rule.ROUNDTRIP_MISMATCH, revision, null, message);
  }

  /**
   * Adds the finding (unless its rule is off); whether it stops the rehearsal: a failure
   * always does, a mismatch only when it blocks (deny, not waived): a warning must not end
   * the rehearsal of the later revisions quietly.
   */
  private boolean report(Rule rule, String revision, Integer line, String message) {
    Severity severity = subject.severities().of(rule);
    RevisionChanges changes = subject.changes().get(revision);
    String waiver = changes == null ? null : changes.waivers().stream()
        .filter(w -> w.rule().equals(rule.id()) && !w.reason().isBlank())
        .map(RevisionChanges.Waiver::reason).findFirst().orElse(null);
    if (severity != Severity.OFF) {
      findings.add(new Finding(rule.id(), severity.id(), revision,
          changes == null ? null : subject.filePrefix() + changes.file(), line, message,
          waiver));
    }
    boolean tolerated = rule == Rule.ROUNDTRIP_MISMATCH
        && (waiver != null || severity != Severity.DENY);
    if (tolerated || severity == Severity.OFF) {
      // Not among the findings, only as waived or a warning: the progress says what happened.
      progress.println("    " + message + " (" + (waiver != null ? "waived"
          : rule.id() + " is " + severity.id()) + (tolerated ? "; rehearsing on" : "") + ")");
    }
    return !tolerated;
  }

  /** The line the error came from, when it came from this revision's file. */
  private Integer lineIn(String revision, RehearsalDriver.Answer answer) {
    RevisionChanges changes = subject.changes().get(revision);
    return changes != null && answer.file() != null
        && java.nio.file.Path.of(answer.file()).normalize()
            .equals(java.nio.file.Path.of(changes.file()).normalize()) ? answer.line() : null;
  }

  private SchemaSnapshot snapshot() throws SQLException {
    return SchemaSnapshot.take(connection, versionTableSchema, versionTable.table());
  }

  private interface Command {
    RehearsalDriver.Answer send() throws RehearsalDriver.Gone;
  }

  private static RehearsalDriver.Answer ask(Command command) throws Aborted {
    try {
      return command.send();
    } catch (RehearsalDriver.Gone e) {
      throw new Aborted(e.getMessage());
    }
  }

  private static String describe(List<String> rows) {
    return rows.isEmpty() ? "base" : String.join(", ", rows);
  }
}
