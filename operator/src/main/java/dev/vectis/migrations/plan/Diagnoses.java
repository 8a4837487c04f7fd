package dev.vectis.migrations.plan;

import dev.vectis.migrations.api.PendingRevision;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.policy.RevisionChanges;
import dev.vectis.migrations.revision.Revision;
import dev.vectis.migrations.revision.RevisionGraph;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Diagnoses of a database whose version table the scripts cannot work from, each a Stalled
 * reason with the exact recovery: a revision only an earlier image knows
 * ({@link Reason#UnknownRevision}), one no known image has ({@link Reason#RevisionInNoImage}),
 * rows where one is the ancestor of another ({@link Reason#OverlappingVersionRows}), and a
 * schema that is there without its version rows ({@link Reason#UnstampedSchema}). They are
 * states, not failures: decided again at every reconcile, so the resource goes on once a
 * person has fixed the database. Pure, like {@link Decider}; the observer gathers what they
 * read ({@link Observation#cachedImages()}, {@link Observation#existingTables()}) only when
 * {@link #needsCachedImages} or {@link #needsExistingTables} says so.
 */
public final class Diagnoses {
  /** Tables named in a message before "+N more". */
  private static final int MESSAGE_TABLES = 8;
  private static final String NEVER_STAMPS = "the operator never stamps on its own";

  private Diagnoses() {}

  // ------------------------------------------------------------------ what the observer gathers

  /**
   * Whether the decision will look for the database's revisions in the cached graphs of other
   * images: the spec's image does not contain a row, and no applied image is known to (or its
   * graph, loaded, does not contain them all).
   */
  public static boolean needsCachedImages(Observation observation) {
    if (!(observation.specImage() instanceof Inspection.Loaded spec)
        || !(observation.database() instanceof DatabaseState.Rows rows)
        || observation.runningJobAction() != null
        || Decider.unknownRows(spec.graph(), rows.rows()).isEmpty()) {
      return false;
    }
    String applied = observation.status().appliedImage;
    if (applied == null || applied.equals(observation.spec().image)) {
      return true;
    }
    return observation.appliedImage() instanceof Inspection.Loaded loaded
        && !Decider.unknownRows(loaded.graph(), rows.rows()).isEmpty();
  }

  /**
   * Whether the decision will compare the database's tables with those the pending revisions
   * create: the version table holds no rows, and the spec's image has revisions.
   */
  public static boolean needsExistingTables(Observation observation) {
    return observation.specImage() instanceof Inspection.Loaded spec
        && !spec.graph().revisions().isEmpty()
        && observation.database() instanceof DatabaseState.Rows rows && rows.rows().isEmpty()
        && observation.runningJobAction() == null;
  }

  // ------------------------------------------------------------------ revisions nobody here knows

  static String notInSpecImage(List<String> unknownRows, String image) {
    return "the database is at " + String.join(", ", unknownRows) + ", which the scripts of "
        + image + " do not contain";
  }

  /**
   * The applied image, when it knows the rows, would take them to the target with a downgrade
   * that is not allowed: both ways out.
   */
  static String rollbackNotAllowed(String unknown, String applied, List<String> rows,
      List<String> targetRows, String undone, List<String> missingDowngrades,
      SchemaMigrationSpec spec) {
    String known = unknown + "; " + applied + " (status.appliedImage, which migrated it) knows "
        + "it. Set spec.image back to " + applied + " to stay at " + Decider.describe(rows);
    if (!missingDowngrades.isEmpty()) {
      // Allowing it would only stall again at MissingDowngrade: not offered.
      return known + ". Reaching " + Decider.describe(targetRows) + " would undo " + undone
          + ", but the downgrade() of " + String.join(", ", missingDowngrades) + " is empty "
          + "while its upgrade() is not, so no downgrade can: restore a backup taken before it "
          + "instead";
    }
    boolean backup = !Boolean.FALSE.equals(spec.backup.beforeDowngrade);
    return known + ", or allow the downgrade (spec.downgrade.allow: true) and the operator "
        + "will run it with " + applied + "'s scripts" + (backup ? ", after a verified backup,"
        : "") + " undoing " + undone + " to reach " + Decider.describe(targetRows);
  }

  /** The applied image knows the rows but cannot take them to the spec's target. */
  static String appliedCannotReach(String unknown, String applied, List<String> targetRows,
      SchemaMigrationSpec spec) {
    return unknown + "; " + applied + " (status.appliedImage, which migrated it) knows it, but "
        + "cannot downgrade it to " + Decider.describe(targetRows) + ", what spec.targetRevision "
        + "(" + target(spec) + ") means in " + spec.image + ". Set spec.image back to " + applied
        + ", or set spec.targetRevision to a revision both images contain and behind the "
        + "database, with spec.downgrade.allow: true: the operator will run that downgrade with "
        + applied + "'s scripts";
  }

  /**
   * Neither the spec's image nor the applied one contains the rows: the cached graphs of the
   * images this resource used before are asked which one does.
   */
  static Decision unknownToTheAppliedImage(Observation observation, RevisionGraph specGraph,
      List<String> rows, List<String> unknownRows, List<String> targetRows,
      List<String> heads) {
    SchemaMigrationSpec spec = observation.spec();
    String applied = observation.status().appliedImage;
    boolean otherApplied = applied != null && !applied.equals(spec.image);
    Map<String, RevisionGraph> known = new LinkedHashMap<>();
    if (otherApplied && observation.appliedImage() instanceof Inspection.Loaded loaded) {
      known.put(applied, loaded.graph());
    }
    observation.cachedImages().forEach((image, inspection) -> {
      if (inspection instanceof Inspection.Loaded loaded && !image.equals(spec.image)) {
        known.putIfAbsent(image, loaded.graph());
      }
    });
    List<String> nobody = new ArrayList<>();
    for (String row : unknownRows) {
      if (known.values().stream().noneMatch(graph -> graph.revision(row) != null)) {
        nobody.add(row);
      }
    }
    String unknown = notInSpecImage(unknownRows, spec.image);
    if (!nobody.isEmpty()) {
      return Decider.stalled(Reason.RevisionInNoImage, inNoImage(nobody, spec, applied,
          otherApplied, known.keySet()), null, List.of(), heads);
    }
    for (Map.Entry<String, RevisionGraph> image : known.entrySet()) {
      if (Decider.unknownRows(image.getValue(), rows).isEmpty()) {
        return Decider.stalled(Reason.UnknownRevision, knownToACachedImage(unknown,
            image.getKey(), image.getValue(), rows, targetRows, spec, applied), null,
            List.of(), heads);
      }
    }
    // Each row is in some image, no image has them all.
    List<String> whoKnows = new ArrayList<>();
    for (String row : unknownRows) {
      whoKnows.add(row + " is in " + known.entrySet().stream()
          .filter(image -> image.getValue().revision(row) != null).map(Map.Entry::getKey)
          .findFirst().orElseThrow());
    }
    return Decider.stalled(Reason.UnknownRevision, unknown + ", and no image this resource "
        + "knows contains all of " + Decider.describe(rows) + " (" + String.join("; ", whoKnows)
        + "). Set spec.image to an image whose scripts contain them all, or, if the schema "
        + "really is at one revision, record it with `alembic stamp --purge <that revision>` ("
        + NEVER_STAMPS + ")", null, List.of(), heads);
  }

  private static String knownToACachedImage(String unknown, String image, RevisionGraph graph,
      List<String> rows, List<String> targetRows, SchemaMigrationSpec spec, String applied) {
    StringBuilder message = new StringBuilder(unknown).append("; ").append(image)
        .append(" knows it (an image this resource used before; its revision graph is cached)")
        .append(". Set spec.image back to ").append(image);
    boolean reachable = targetRows != null && targetRows.size() <= 1
        && Decider.unknownRows(graph, targetRows).isEmpty() && !Decider.sameRows(rows,
            targetRows) && behind(graph, rows, targetRows);
    if (reachable) {
      String target = targetRows.isEmpty() ? "base" : targetRows.get(0);
      message.append(". To reach ").append(Decider.describe(targetRows)).append(" (what "
          + "spec.targetRevision ").append(target(spec)).append(" means in ").append(spec.image)
          .append(") instead, set spec.image to ").append(image).append(" with "
              + "spec.targetRevision: ").append(target).append(" and spec.downgrade.allow: "
              + "true, so that its scripts run the downgrade, then spec.image to ")
          .append(spec.image).append(" again");
    }
    message.append(" (the operator downgrades with another image's scripts only for "
        + "status.appliedImage, the image that migrated the database last: ")
        .append(applied == null ? "none is recorded" : applied).append(")");
    return message.toString();
  }

  private static String inNoImage(List<String> nobody, SchemaMigrationSpec spec,
      String applied, boolean otherApplied, Set<String> known) {
    List<String> images = new ArrayList<>();
    images.add("spec.image " + spec.image);
    if (otherApplied) {
      images.add("status.appliedImage " + applied);
    }
    List<String> cached = known.stream().filter(image -> !image.equals(applied)).toList();
    if (!cached.isEmpty()) {
      images.add("the cached graphs of " + String.join(", ", cached));
    }
    String rows = String.join(", ", nobody);
    return "the database is at " + rows + ", which no image this resource knows contains ("
        + String.join("; ", images) + "): no known scripts have it. A revision file deleted "
        + "from the project, a hotfix applied by hand, a release deployed by other means, or "
        + "the wrong database. Deploy an image whose scripts contain " + rows + " (set "
        + "spec.image to it), or, if the schema really is at a revision the scripts know, "
        + "record that with `alembic stamp --purge <that revision>` (" + NEVER_STAMPS + ")";
  }

  // ------------------------------------------------------------------ overlapping rows

  /**
   * Rows where one is an ancestor of another, which Alembic never writes (an upgrade replaces
   * a revision's row by its descendant's): null when there are none.
   */
  static Decision overlappingRows(RevisionGraph graph, List<String> rows, List<String> heads) {
    if (rows.size() < 2) {
      return null;
    }
    List<String> pairs = new ArrayList<>();
    Set<String> covered = new HashSet<>();
    for (String row : rows) {
      Set<String> ancestors = ancestors(graph, row);
      for (String other : rows) {
        if (!other.equals(row) && ancestors.contains(other)) {
          pairs.add(other + " is an ancestor of " + row);
          covered.add(other);
        }
      }
    }
    if (pairs.isEmpty()) {
      return null;
    }
    List<String> keep = rows.stream().filter(row -> !covered.contains(row)).distinct().toList();
    String stamp = "alembic stamp --purge " + String.join(" ", keep);
    return Decider.stalled(Reason.OverlappingVersionRows, "the version table holds "
        + String.join(", ", rows) + ", and " + String.join("; ", pairs) + ": Alembic never "
        + "writes such rows (an upgrade replaces a revision's row by its descendant's), so the "
        + "table was edited by hand or by another tool. If the schema matches "
        + String.join(", ", keep) + " (check its tables and columns), run `" + stamp + "` to "
        + "leave only " + (keep.size() == 1 ? "that row" : "those rows") + "; if it matches an "
        + "older revision, stamp that one instead (" + NEVER_STAMPS + ")", null, List.of(),
        heads);
  }

  // ------------------------------------------------------------------ a schema without its rows

  /**
   * No version rows, while tables the pending revisions create exist already: the upgrade
   * would stop half-way at "relation already exists". Null when none of them exists (tables
   * that no pending revision creates are none of its business) or the tables were not read.
   */
  static Decision unstampedSchema(Set<String> existing, RevisionGraph graph,
      Map<String, RevisionChanges> changes, List<PendingRevision> pending, String resolved,
      List<String> heads) {
    if (existing == null || existing.isEmpty()) {
      return null;
    }
    Map<String, List<String>> createdBy = new LinkedHashMap<>();
    Map<String, Boolean> complete = new LinkedHashMap<>();
    List<String> found = new ArrayList<>();
    // A table a pending revision drops before one creates it again is no conflict.
    Set<String> dropped = new HashSet<>();
    for (PendingRevision step : pending) {
      List<String> tables = new ArrayList<>();
      boolean all = true;
      List<String> here = new ArrayList<>();
      RevisionChanges revision = changes.get(step.revision);
      for (RevisionChanges.Operation operation : revision == null ? List
          .<RevisionChanges.Operation>of() : revision.upgrade().operations()) {
        String table = tableName(operation);
        if (table == null) {
          continue;
        }
        if ("DropTableOp".equals(operation.op())) {
          dropped.add(table);
        } else if ("CreateTableOp".equals(operation.op())) {
          tables.add(table);
          if (existing.contains(table) && !dropped.contains(table)) {
            here.add(table);
          } else {
            all = false;
          }
        }
      }
      createdBy.put(step.revision, tables);
      // Operations that create no table (raw SQL, a column), or not all seen: no table says
      // the revision ran, so no stamp may go past it.
      boolean unseen = revision != null && (revision.upgrade().error() != null
          || tables.isEmpty() && !revision.upgrade().operations().isEmpty());
      complete.put(step.revision, all && !unseen);
      if (!here.isEmpty()) {
        found.add(String.join(", ", here) + " (" + describe(step) + ")");
      }
    }
    if (found.isEmpty()) {
      return null;
    }
    // A candidate: the last pending revision whose tables and its ancestors' all exist.
    String candidate = null;
    for (PendingRevision step : pending) {
      Set<String> lineage = ancestors(graph, step.revision);
      lineage.add(step.revision);
      boolean everyTable = lineage.stream().filter(complete::containsKey)
          .allMatch(complete::get);
      boolean createsAny = lineage.stream().filter(createdBy::containsKey)
          .anyMatch(id -> !createdBy.get(id).isEmpty());
      if (everyTable && createsAny) {
        candidate = step.revision;
      }
    }
    List<String> shown = found.size() > MESSAGE_TABLES ? found.subList(0, MESSAGE_TABLES) : found;
    String more = found.size() > MESSAGE_TABLES ? " (+" + (found.size() - MESSAGE_TABLES)
        + " more)" : "";
    return Decider.stalled(Reason.UnstampedSchema, "the version table holds no rows (base), "
        + "yet tables the pending revisions create already exist: " + String.join("; ", shown)
        + more + ". alembic upgrade would stop half-way with \"relation already exists\". If "
        + "the schema is at a revision already (its version table was dropped or emptied, or "
        + "another tool created it), find the revision it matches"
        + (candidate == null ? "" : " (every table up to " + candidate + " exists: compare "
            + "its columns)") + " and record it with `alembic stamp "
        + (candidate == null ? "<revision>" : candidate) + "` (" + NEVER_STAMPS + "); if the "
        + "tables are leftovers, drop them", resolved, pending, heads);
  }

  /**
   * The UnstampedSchema decision, with the version tables of other schemas named: a project
   * whose env.py keeps its version table elsewhere (version_table_schema) than the spec says
   * is read as base, and stamping would change nothing.
   */
  static Decision withVersionTablesElsewhere(Decision unstamped, Set<String> existing,
      dev.vectis.migrations.api.AlembicSpec alembic) {
    if (alembic == null || existing == null) {
      return unstamped;
    }
    String table = alembic.versionTable == null ? "alembic_version" : alembic.versionTable;
    String read = alembic.versionTableSchema != null ? alembic.versionTableSchema + "." + table
        : existing.contains(table) ? null : "";
    if (read == null) {
      return unstamped; // one on the search path, the one read: which is not known here
    }
    List<String> elsewhere = existing.stream().filter(name -> name.endsWith("." + table)
        && name.indexOf('.') == name.length() - table.length() - 1 && !name.equals(read))
        .sorted().toList();
    if (elsewhere.isEmpty()) {
      return unstamped;
    }
    String schema = elsewhere.get(0).substring(0, elsewhere.get(0).indexOf('.'));
    return Decider.stalled(Reason.UnstampedSchema, unstamped.message() + ". But a version "
        + "table exists in another schema than the one read (" + (read.isEmpty()
        ? "the search_path" : read) + "): " + String.join(", ", elsewhere) + "; if it is the "
        + "project's (env.py's version_table_schema), set spec.alembic.versionTableSchema: "
        + schema + " instead of stamping", unstamped.resolvedTarget(), unstamped.pending(),
        unstamped.heads());
  }

  /** An operation's table as {@link Observation#existingTables()} names it, or null. */
  private static String tableName(RevisionChanges.Operation operation) {
    if (operation.table() == null) {
      return null;
    }
    return operation.schema() == null ? operation.table()
        : operation.schema() + "." + operation.table();
  }

  // ------------------------------------------------------------------ helpers

  /** Whether every target row is an ancestor of a row (a downgrade reaches it). */
  private static boolean behind(RevisionGraph graph, List<String> rows, List<String> targets) {
    Set<String> below = new HashSet<>();
    rows.forEach(row -> below.addAll(ancestors(graph, row)));
    return below.containsAll(targets);
  }

  /** The ancestors of a revision, through down_revision and depends_on (ids in the graph). */
  static Set<String> ancestors(RevisionGraph graph, String id) {
    Set<String> seen = new HashSet<>();
    Deque<String> next = new ArrayDeque<>();
    next.add(id);
    while (!next.isEmpty()) {
      Revision revision = graph.revision(next.poll());
      if (revision == null) {
        continue;
      }
      List<String> parents = new ArrayList<>(revision.downRevisions());
      parents.addAll(revision.dependsOn());
      for (String parent : parents) {
        if (graph.revision(parent) != null && seen.add(parent)) {
          next.add(parent);
        }
      }
    }
    return seen;
  }

  private static String target(SchemaMigrationSpec spec) {
    return spec.targetRevision == null ? "head" : spec.targetRevision;
  }

  private static String describe(PendingRevision revision) {
    return revision.revision + (revision.message == null || revision.message.isEmpty() ? ""
        : " " + revision.message);
  }
}
