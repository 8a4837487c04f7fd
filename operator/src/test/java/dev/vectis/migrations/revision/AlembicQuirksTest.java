package dev.vectis.migrations.revision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vectis.migrations.cli.PlanRequests;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Section 9 of alembic-semantics.md, "Quick reference of surprising behaviours": one case per
 * item, with the answer written down here, checked against the Java engine and against the
 * real Alembic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlembicQuirksTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Graph notation: {@code id:down1,down2@label1+dep1,dep2}; order is the load order. */
  private static final List<String> LINE = List.of("a", "b:a", "c:b");
  private static final List<String> FORK =
      List.of("a", "b:a", "c1:b@c1branch", "d1:c1", "c2:b", "d2:c2");

  record Case(String item, List<String> graph, List<String> rows, String target,
      String direction, String expected) {
    @Override
    public String toString() {
      return item;
    }
  }

  static Stream<Case> quirks() {
    return Stream.of(
        new Case("upgrade head+1 is a bare AssertionError", LINE, List.of(), "head+1",
            "upgrade", "crash AssertionError"),
        new Case("upgrade rev+99 is a bare AssertionError", LINE, List.of("a"), "a+99",
            "upgrade", "crash AssertionError"),
        new Case("upgrade <ancestor> succeeds with no steps", LINE, List.of("c"), "a",
            "upgrade", "steps [] rows [c]"),
        new Case("upgrade base succeeds with no steps", LINE, List.of("c"), "base", "upgrade",
            "steps [] rows [c]"),
        new Case("upgrade X on another branch inserts a new branch", FORK, List.of("d1"), "c2",
            "upgrade", "steps [up c2] rows [c2, d1]"),
        new Case("base-1 resolves to the head", LINE, List.of(), "base-1", "upgrade",
            "steps [up a, up b, up c] rows [c]"),
        new Case("a 1-3 character prefix resolves when unique", FORK, List.of(), "d2",
            "upgrade", "steps [up a, up b, up c2, up d2] rows [d2]"),
        new Case("the four-characters text appears only when nothing matches", FORK, List.of(),
            "zz", "upgrade", "error Can't locate revision identified by 'zz'"),
        new Case("prefixes match branch labels; upgrade L targets the labelled revision", FORK,
            List.of(), "c1br", "upgrade", "steps [up a, up b, up c1] rows [c1]"),
        new Case("downgrade L@head ignores L", FORK, List.of("d1", "d2"), "c1branch@head",
            "downgrade", "error Multiple head revisions are present for given argument "
                + "'c1branch@head'; please specify a specific target revision, "
                + "'<branchname>@c1branch@head' to narrow to a specific head, or 'heads' for "
                + "all heads"),
        new Case("downgrade L@base in a single-root tree drops all branches", FORK,
            List.of("d1", "d2"), "c1branch@base", "downgrade",
            "steps [down d1, down c1, down d2, down c2, down b, down a] rows []"),
        new Case("downgrade L@-1 is an AssertionError unless one row is on L",
            List.of("a", "b:a", "c1:b@c1branch", "c2:b"), List.of("c2"), "c1branch@-1",
            "downgrade", "crash AssertionError"),
        new Case("downgrade L@-1 with one row on L", FORK, List.of("d1", "d2"), "c1branch@-1",
            "downgrade", "steps [down d1] rows [c1, d2]"),
        new Case("downgrade -1 with several rows uses the first physical row", FORK,
            List.of("d2", "d1"), "-1", "downgrade", "steps [down d2] rows [c2, d1]"),
        new Case("head uses versioned heads: a revision only depended on makes it ambiguous",
            List.of("y1", "x1", "x2:x1+y1"), List.of(), "head", "upgrade",
            "error Multiple head revisions are present for given argument 'head'; please "
                + "specify a specific target revision, '<branchname>@head' to narrow to a "
                + "specific head, or 'heads' for all heads"),
        new Case("heads uses real heads", List.of("y1", "x1", "x2:x1+y1"), List.of(), "heads",
            "upgrade", "steps [up y1, up x1, up x2] rows [x2]"),
        new Case("downgrade y where y is only a dependency of the head is refused",
            List.of("y1", "x1", "x2:x1+y1"), List.of("x2"), "y1", "downgrade",
            "error Destination y1 is not a valid downgrade target from current head(s)"),
        new Case("merging heads where one parent is another's dependency is a KeyError",
            List.of("a", "p1:a", "p3:a", "p2:a+p3", "m:p1,p2,p3"), List.of("p1"), "heads",
            "upgrade",
            "crash KeyError"),
        new Case("a label with '-' is parsed as a relative target (rel, -2)", List.of("a", "b:a@rel-2"),
            List.of(), "rel-2@head", "upgrade", "crash AssertionError"));
  }

  private Map<String, JsonNode> alembicAnswers;

  @BeforeAll
  void askAlembic() {
    List<ObjectNode> requests = quirks().map(AlembicQuirksTest::request).toList();
    List<JsonNode> answers = AlembicOracle.answer(requests);
    alembicAnswers = new java.util.HashMap<>();
    List<Case> cases = quirks().toList();
    for (int i = 0; i < cases.size(); i++) {
      alembicAnswers.put(cases.get(i).item(), answers.get(i));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("quirks")
  void javaEngineAndAlembicBothBehaveAsDocumented(Case quirk) {
    assertThat(summary(alembicAnswers.get(quirk.item()))).as("real Alembic")
        .isEqualTo(quirk.expected());
    assertThat(summary(PlanRequests.answer(request(quirk)))).as("Java engine")
        .isEqualTo(quirk.expected());
  }

  private static String summary(JsonNode answer) {
    if (!answer.path("ok").asBoolean()) {
      String crash = answer.has("crash") ? answer.get("crash").asText()
          : answer.path("alembic_crash").asText(null);
      return crash != null ? "crash " + crash : "error " + answer.path("error").asText();
    }
    List<String> steps = new ArrayList<>();
    answer.get("steps").forEach(s -> steps.add(s.get("direction").asText() + " "
        + s.get("revision").asText()));
    List<String> rows = new ArrayList<>();
    answer.get("final_version_table").forEach(r -> rows.add(r.asText()));
    rows.sort(null);
    return "steps " + steps + " rows " + rows;
  }

  static ObjectNode request(Case quirk) {
    ObjectNode request = JSON.createObjectNode();
    ArrayNode revisions = request.putArray("revisions");
    for (String spec : quirk.graph()) {
      revisions.add(revision(spec));
    }
    quirk.rows().forEach(request.putArray("current")::add);
    request.put("target", quirk.target());
    request.put("direction", quirk.direction());
    return request;
  }

  /** Parses {@code id:down1,down2@label+dep1,dep2}. */
  private static ObjectNode revision(String spec) {
    String deps = after(spec, '+');
    String rest = before(spec, '+');
    String labels = after(rest, '@');
    rest = before(rest, '@');
    String down = after(rest, ':');
    ObjectNode node = JSON.createObjectNode();
    node.put("revision", before(rest, ':'));
    if (down == null) {
      node.putNull("down_revision");
    } else {
      list(down).forEach(node.putArray("down_revision")::add);
    }
    list(labels).forEach(node.putArray("branch_labels")::add);
    list(deps).forEach(node.putArray("depends_on")::add);
    return node;
  }

  private static String before(String text, char separator) {
    int at = text.indexOf(separator);
    return at < 0 ? text : text.substring(0, at);
  }

  private static String after(String text, char separator) {
    int at = text.indexOf(separator);
    return at < 0 ? null : text.substring(at + 1);
  }

  private static List<String> list(String commaSeparated) {
    return commaSeparated == null ? List.of()
        : Arrays.stream(commaSeparated.split(",")).collect(Collectors.toList());
  }
}
