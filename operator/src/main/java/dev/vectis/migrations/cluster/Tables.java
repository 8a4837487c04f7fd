package dev.vectis.migrations.cluster;

import dev.vectis.migrations.api.HistoryEntry;
import dev.vectis.migrations.api.PendingPlan;
import dev.vectis.migrations.api.PendingRevision;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What the cluster commands print for people: kubectl-like tables and plan summaries. Pure. */
public final class Tables {
  /** As kubectl prints a cell with no value. */
  static final String NONE = "<none>";

  private Tables() {}

  /** {@code kubectl get smig}'s columns (NAMESPACE with -A; wide adds the rest). */
  public static String status(List<SchemaMigration> resources, boolean allNamespaces,
      boolean wide, Instant now) {
    List<String> header = new ArrayList<>();
    if (allNamespaces) {
      header.add("NAMESPACE");
    }
    header.addAll(List.of("NAME", "CURRENT", "TARGET", "READY", "REASON", "AGE"));
    if (wide) {
      header.addAll(List.of("IMAGE", "APPLIED", "PENDING", "MESSAGE"));
    }
    List<List<String>> rows = new ArrayList<>();
    for (SchemaMigration resource : resources) {
      SchemaMigrationStatus status = resource.getStatus();
      Condition ready = Readiness.condition(resource, "Ready");
      List<String> row = new ArrayList<>();
      if (allNamespaces) {
        row.add(resource.getMetadata().getNamespace());
      }
      row.add(resource.getMetadata().getName());
      row.add(revisions(status == null ? null : status.currentRevision));
      row.add(revisions(status == null ? null : status.targetRevision));
      row.add(ready == null ? NONE : ready.getStatus());
      row.add(ready == null || ready.getReason() == null ? NONE : ready.getReason());
      row.add(age(resource.getMetadata().getCreationTimestamp(), now));
      if (wide) {
        row.add(cell(resource.getSpec() == null ? null : resource.getSpec().image));
        row.add(cell(status == null ? null : status.appliedImage));
        row.add(status == null || status.pending == null ? "0"
            : Integer.toString(status.pending.size()));
        row.add(ready == null ? NONE : oneLine(ready.getMessage()));
      }
      rows.add(row);
    }
    return table(header, rows);
  }

  /**
   * The runs in status.history, newest first (across resources, by completion time); wide
   * adds the Job and the full plan hash.
   */
  public static String history(List<SchemaMigration> resources, boolean allNamespaces,
      boolean wide) {
    List<String> header = new ArrayList<>();
    if (allNamespaces) {
      header.addAll(List.of("NAMESPACE", "NAME"));
    }
    header.addAll(List.of("COMPLETED", "ACTION", "DIRECTION", "FROM", "TO", "IMAGE", "RESULT",
        "BACKUP", "PLAN-HASH"));
    if (wide) {
      header.add("JOB");
    }
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<SchemaMigration, HistoryEntry> run : newestFirst(resources)) {
      HistoryEntry entry = run.getValue();
      List<String> row = new ArrayList<>();
      if (allNamespaces) {
        row.add(run.getKey().getMetadata().getNamespace());
        row.add(run.getKey().getMetadata().getName());
      }
      row.add(cell(entry.completedAt));
      row.add(cell(entry.action));
      row.add(cell(entry.direction));
      row.add(revisions(entry.from));
      row.add(revisions(entry.to));
      row.add(cell(entry.image));
      row.add(cell(entry.result));
      row.add(cell(entry.backup));
      row.add(entry.planHash == null ? NONE
          : wide ? entry.planHash : entry.planHash.substring(0, Math.min(12,
              entry.planHash.length())));
      if (wide) {
        row.add(cell(entry.job));
      }
      rows.add(row);
    }
    return rows.isEmpty() ? "No history: nothing has run yet." : table(header, rows);
  }

  /** Each resource's runs, newest first; a stable sort keeps each status's own order. */
  public static List<Map.Entry<SchemaMigration, HistoryEntry>> newestFirst(
      List<SchemaMigration> resources) {
    List<Map.Entry<SchemaMigration, HistoryEntry>> runs = new ArrayList<>();
    for (SchemaMigration resource : resources) {
      if (resource.getStatus() != null && resource.getStatus().history != null) {
        resource.getStatus().history.forEach(entry -> runs.add(Map.entry(resource, entry)));
      }
    }
    runs.sort(Comparator.comparing((Map.Entry<SchemaMigration, HistoryEntry> run) ->
        Objects.requireNonNullElse(run.getValue().completedAt, "")).reversed());
    return runs;
  }

  /** A history run as a document: the resource's namespace and name, then the entry. */
  public static Map<String, Object> historyDocument(SchemaMigration resource, HistoryEntry entry) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("namespace", resource.getMetadata().getNamespace());
    document.put("name", resource.getMetadata().getName());
    document.put("entry", entry);
    return document;
  }

  /** The plan waiting for approval, as {@code plan} and {@code approve} show it. */
  public static String pendingPlan(PendingPlan plan) {
    StringBuilder text = new StringBuilder();
    text.append("Plan hash: ").append(cell(plan.planHash)).append('\n');
    text.append("Direction: ").append(cell(plan.direction)).append('\n');
    text.append("From:      ").append(revisions(plan.from)).append('\n');
    text.append("To:        ").append(revisions(plan.to)).append('\n');
    if (plan.image != null) {
      text.append("Image:     ").append(plan.image).append('\n');
    }
    text.append("Backup:    ").append(Boolean.TRUE.equals(plan.backup)
        ? "yes, a verified backup is taken first" : "no").append('\n');
    if (plan.since != null) {
      text.append("Waiting since: ").append(plan.since).append('\n');
    }
    text.append(steps(plan.steps));
    return text.toString().stripTrailing();
  }

  /** Without a plan waiting for approval: the status's own view of what is pending. */
  public static String pendingRevisions(SchemaMigration resource) {
    SchemaMigrationStatus status = resource.getStatus();
    Condition ready = Readiness.condition(resource, "Ready");
    StringBuilder text = new StringBuilder("No plan is waiting for approval.\n");
    text.append("Current:   ").append(revisions(status == null ? null : status.currentRevision))
        .append('\n');
    text.append("Target:    ").append(revisions(status == null ? null : status.targetRevision))
        .append('\n');
    if (ready != null) {
      text.append("Ready:     ").append(ready.getStatus()).append(" (")
          .append(cell(ready.getReason())).append(")").append('\n');
    }
    List<PendingRevision> pending = status == null ? null : status.pending;
    text.append(pending == null || pending.isEmpty() ? "Pending:   none"
        : steps(pending).replaceFirst("^Steps", "Pending"));
    return text.toString().stripTrailing();
  }

  private static String steps(List<PendingRevision> steps) {
    if (steps == null || steps.isEmpty()) {
      return "Steps:     none\n";
    }
    StringBuilder text = new StringBuilder("Steps (" + steps.size() + "):\n");
    for (PendingRevision step : steps) {
      text.append("  ").append(step.revision);
      if (step.message != null && !step.message.isBlank()) {
        text.append("  ").append(oneLine(step.message));
      }
      text.append('\n');
    }
    return text.toString();
  }

  /** Columns padded as kubectl's tabwriter does: three spaces between them. */
  public static String table(List<String> header, List<List<String>> rows) {
    int[] widths = new int[header.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(row.get(i));
        if (i < row.size() - 1) {
          line.append(" ".repeat(widths[i] - row.get(i).length() + 3));
        }
      }
      text.append(line.toString().stripTrailing()).append('\n');
    }
    return text.toString().stripTrailing();
  }

  /** kubectl's AGE: 45s, 5m30s, 45m, 3h20m, 30h, 3d5h, 200d, 2y30d. */
  public static String age(String creationTimestamp, Instant now) {
    if (creationTimestamp == null) {
      return NONE;
    }
    try {
      return humanDuration(Duration.between(Instant.parse(creationTimestamp), now));
    } catch (DateTimeParseException e) {
      return NONE;
    }
  }

  /** As k8s.io/apimachinery's duration.HumanDuration. */
  static String humanDuration(Duration duration) {
    long seconds = duration.getSeconds();
    if (seconds < 0) {
      return "0s"; // a clock ahead of ours
    }
    if (seconds < 120) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      long rest = seconds % 60;
      return rest == 0 ? minutes + "m" : minutes + "m" + rest + "s";
    }
    if (minutes < 180) {
      return minutes + "m";
    }
    long hours = minutes / 60;
    if (hours < 8) {
      long rest = minutes % 60;
      return rest == 0 ? hours + "h" : hours + "h" + rest + "m";
    }
    if (hours < 48) {
      return hours + "h";
    }
    if (hours < 192) {
      long rest = hours % 24;
      return rest == 0 ? hours / 24 + "d" : hours / 24 + "d" + rest + "h";
    }
    long days = hours / 24;
    if (days < 365 * 2) {
      return days + "d";
    }
    long years = days / 365;
    long rest = days % 365;
    return rest == 0 ? years + "y" : years + "y" + rest + "d";
  }

  /** Rows as the status writes them: "" is base; absent is unknown. */
  static String revisions(String rows) {
    return rows == null ? NONE : rows.isEmpty() ? "base" : rows;
  }

  static String cell(String value) {
    return value == null || value.isBlank() ? NONE : oneLine(value);
  }

  /** A message in one table cell or one line of a terminal. */
  public static String oneLine(String text) {
    return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
