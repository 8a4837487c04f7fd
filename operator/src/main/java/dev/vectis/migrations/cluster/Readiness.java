package dev.vectis.migrations.cluster;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.plan.Inspection;
import dev.vectis.migrations.revision.Revision;
import dev.vectis.migrations.revision.RevisionGraph;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Whether an application may start against a SchemaMigration's database (what {@code wait}
 * decides), from the resource alone: pure, no I/O; graphs are asked for only when needed.
 */
public final class Readiness {
  /** Reasons of this class's own (the others are the resource's condition reasons). */
  public static final String NOT_FOUND = "NotFound";
  public static final String NOT_OBSERVED = "NotObserved";
  public static final String IMAGE_NOT_INSPECTED = "ImageGraphUnknown";
  public static final String IMAGE_NOT_APPLIED = "ImageNotApplied";

  public enum State { READY, WAITING, STALLED }

  /** The answer: what to do, and the reason and message to show (one line each). */
  public record Verdict(State state, String reason, String message) {
    static Verdict waiting(String reason, String message) {
      return new Verdict(State.WAITING, reason, message);
    }
  }

  private Readiness() {}

  /**
   * @param resource the SchemaMigration, or null if it does not exist (yet)
   * @param image the application's image ({@code --image}), or null
   * @param graphs the operator's cached revision graph of an image (Unknown when it has none)
   */
  public static Verdict of(SchemaMigration resource, String image,
      Function<String, Inspection> graphs) {
    if (resource == null) {
      return Verdict.waiting(NOT_FOUND, "not found (yet): waiting for it to be created");
    }
    long generation = resource.getMetadata().getGeneration() == null ? 0
        : resource.getMetadata().getGeneration();
    var status = resource.getStatus();
    Long statusGeneration = status == null ? null : status.observedGeneration;
    Condition stalled = condition(resource, "Stalled");
    if (stalled != null && "True".equals(stalled.getStatus())
        && observed(stalled, statusGeneration) == generation) {
      return new Verdict(State.STALLED, stalled.getReason(), stalled.getMessage());
    }
    Condition ready = condition(resource, "Ready");
    if (ready == null || observed(ready, statusGeneration) != generation) {
      // A Ready of an older generation says nothing about the spec the application needs.
      return Verdict.waiting(NOT_OBSERVED, "the operator has not reported on generation "
          + generation + " yet" + (ready == null ? "" : " (the status is for generation "
          + observed(ready, statusGeneration) + ")"));
    }
    if (!"True".equals(ready.getStatus())) {
      return Verdict.waiting(Objects.requireNonNullElse(ready.getReason(), "NotReady"),
          Objects.requireNonNullElse(ready.getMessage(), ""));
    }
    String rows = Objects.requireNonNullElse(status.currentRevision, "");
    // The applied image is the one that migrated last: after a downgrade (a rollback runs it
    // with the applied image's scripts) its heads are no longer in, so its graph decides.
    boolean appliedUp = image != null && image.equals(status.appliedImage)
        && (status.lastMigration == null || !"downgrade".equals(status.lastMigration.direction));
    if (image == null || appliedUp
        || image.equals(resource.getSpec() == null ? null : resource.getSpec().image)) {
      return new Verdict(State.READY, ready.getReason(), "Ready at " + shown(rows)
          + (image == null ? "" : " for " + image));
    }
    return imageCovered(resource, image, graphs, rows);
  }

  /** Ready for another image: do the database's rows include all of {@code image}'s heads? */
  private static Verdict imageCovered(SchemaMigration resource, String image,
      Function<String, Inspection> graphs, String rows) {
    String specImage = resource.getSpec() == null ? null : resource.getSpec().image;
    String others = "spec.image is " + specImage + (resource.getStatus().appliedImage == null
        ? "" : ", status.appliedImage " + resource.getStatus().appliedImage);
    Inspection inspection = graphs.apply(image);
    if (!(inspection instanceof Inspection.Loaded loaded)) {
      String why = inspection instanceof Inspection.Failed failed ? " (" + failed.error() + ")"
          : "";
      return Verdict.waiting(IMAGE_NOT_INSPECTED, "the operator has no revision graph of "
          + image + why + "; " + others + "; waiting until a SchemaMigration spec names it");
    }
    Set<String> current = rows.isEmpty() ? Set.of() : new HashSet<>(Arrays.asList(
        rows.split(",")));
    List<String> heads = loaded.graph().heads();
    List<RevisionGraph> lineage = new java.util.ArrayList<>(List.of(loaded.graph()));
    boolean triedSpecGraph = false;
    for (String head : heads) {
      boolean covered = current.contains(head) || lineage.stream().anyMatch(graph ->
          current.stream().anyMatch(row -> isAncestor(graph, head, row)));
      if (!covered && !triedSpecGraph && specImage != null) {
        // The rows may be newer than the image: only the spec image's graph knows them.
        triedSpecGraph = true;
        if (graphs.apply(specImage) instanceof Inspection.Loaded spec) {
          lineage.add(spec.graph());
          covered = current.stream().anyMatch(row -> isAncestor(spec.graph(), head, row));
        }
      }
      if (!covered) {
        return Verdict.waiting(IMAGE_NOT_APPLIED, "the database is at " + shown(rows)
            + ", without " + image + "'s head " + head + "; " + others);
      }
    }
    return new Verdict(State.READY, "HeadsApplied", "the database at " + shown(rows)
        + " includes " + image + "'s heads " + String.join(", ", heads));
  }

  /** Whether {@code ancestor} is {@code id} or below it (down revisions and depends_on). */
  static boolean isAncestor(RevisionGraph graph, String ancestor, String id) {
    if (graph.revision(id) == null) {
      return false;
    }
    Deque<String> todo = new ArrayDeque<>(List.of(id));
    Set<String> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      String next = todo.pop();
      if (next.equals(ancestor)) {
        return true;
      }
      Revision revision = graph.revision(next);
      if (seen.add(next) && revision != null) {
        todo.addAll(revision.downRevisions());
        todo.addAll(revision.dependsOn());
      }
    }
    return false;
  }

  private static String shown(String rows) {
    return rows.isEmpty() ? "base" : rows;
  }

  private static long observed(Condition condition, Long statusGeneration) {
    Long generation = condition.getObservedGeneration() != null
        ? condition.getObservedGeneration() : statusGeneration;
    return generation == null ? -1 : generation;
  }

  static Condition condition(SchemaMigration resource, String type) {
    if (resource.getStatus() == null || resource.getStatus().conditions == null) {
      return null;
    }
    return resource.getStatus().conditions.stream().filter(c -> type.equals(c.getType()))
        .findFirst().orElse(null);
  }
}
