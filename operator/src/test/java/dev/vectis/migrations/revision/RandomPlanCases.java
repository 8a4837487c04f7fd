package dev.vectis.migrations.revision;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Seeded random plan requests: graphs with chains, branch points, labels, merges of two or
 * three parents, {@code depends_on} by id and by label, several roots and heads, long and
 * short ids, shuffled load orders and a few invalid graphs; database rows and targets of
 * every form Alembic accepts, and some it does not.
 */
final class RandomPlanCases {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Random random;

  RandomPlanCases(long seed) {
    this.random = new Random(seed);
  }

  /** A generated revision, before it is written as JSON. */
  private static final class Spec {
    final String id;
    final List<String> down = new ArrayList<>();
    final List<String> labels = new ArrayList<>();
    final List<String> deps = new ArrayList<>();

    Spec(String id) {
      this.id = id;
    }
  }

  List<ObjectNode> cases(int count) {
    List<ObjectNode> cases = new ArrayList<>(count);
    while (cases.size() < count) {
      List<Spec> graph = graph();
      int queries = 1 + random.nextInt(4);
      for (int i = 0; i < queries && cases.size() < count; i++) {
        cases.add(request(graph));
      }
    }
    return cases;
  }

  private List<Spec> graph() {
    int size = 1 + random.nextInt(random.nextInt(4) == 0 ? 25 : 10);
    boolean shortIds = random.nextInt(3) == 0;
    List<Spec> specs = new ArrayList<>();
    Set<String> used = new HashSet<>();
    int labels = 0;
    for (int i = 0; i < size; i++) {
      Spec spec = new Spec(newId(shortIds, used));
      int shape = random.nextInt(100);
      if (specs.isEmpty() || shape < 8) {
        // a base
      } else if (shape < 20 && specs.size() >= 2) {
        int parents = 2 + (random.nextInt(4) == 0 ? 1 : 0);
        List<Spec> candidates = new ArrayList<>(specs);
        Collections.shuffle(candidates, random);
        for (Spec parent : candidates.subList(0, Math.min(parents, candidates.size()))) {
          spec.down.add(parent.id);
        }
      } else if (shape < 60) {
        spec.down.add(specs.get(specs.size() - 1).id);
      } else {
        spec.down.add(specs.get(random.nextInt(specs.size())).id);
      }
      if (random.nextInt(100) < 15) {
        spec.labels.add("lbl" + labels++);
        if (random.nextInt(10) == 0) {
          spec.labels.add("lbl" + labels++);
        }
      }
      if (!specs.isEmpty() && random.nextInt(100) < 15) {
        int deps = 1 + random.nextInt(2);
        for (int d = 0; d < deps; d++) {
          Spec dependency = specs.get(random.nextInt(specs.size()));
          String name = !dependency.labels.isEmpty() && random.nextBoolean()
              ? dependency.labels.get(0) : dependency.id;
          if (!spec.deps.contains(name) && !spec.down.contains(name)) {
            spec.deps.add(name);
          }
        }
      }
      specs.add(spec);
    }
    if (random.nextInt(100) < 6) {
      breakGraph(specs);
    }
    if (random.nextBoolean()) {
      Collections.shuffle(specs, random);
    }
    return specs;
  }

  private void breakGraph(List<Spec> specs) {
    Spec victim = specs.get(random.nextInt(specs.size()));
    switch (random.nextInt(7)) {
      case 0 -> victim.down.add("ffffffffffff");
      case 1 -> victim.down.add(victim.id);
      case 2 -> victim.deps.add("missing0");
      case 3 -> specs.add(new Spec(victim.id.substring(0, Math.min(3, victim.id.length())) + "-x"));
      case 4 -> {
        victim.labels.add("dup");
        specs.get(random.nextInt(specs.size())).labels.add("dup");
      }
      case 5 -> victim.labels.add(specs.get(random.nextInt(specs.size())).id);
      default -> {
        // a cycle: the first revision now comes after the victim
        Spec first = specs.get(0);
        if (first != victim) {
          first.down.clear();
          first.down.add(victim.id);
        }
      }
    }
  }

  private String newId(boolean shortIds, Set<String> used) {
    while (true) {
      String id;
      if (shortIds) {
        id = Integer.toString(random.nextInt(shortIds && random.nextBoolean() ? 40 : 3000), 36);
        if (random.nextBoolean()) {
          id = "r" + id;
        }
      } else {
        id = String.format("%012x", random.nextLong() & 0xffffffffffffL);
        if (random.nextInt(4) == 0 && !used.isEmpty()) {
          // share a prefix with an existing id, so prefixes can be ambiguous
          String other = used.iterator().next();
          id = other.substring(0, 4) + id.substring(4);
        }
      }
      if (!id.equals("head") && !id.equals("heads") && !id.equals("base") && used.add(id)) {
        return id;
      }
    }
  }

  private ObjectNode request(List<Spec> specs) {
    ObjectNode request = JSON.createObjectNode();
    ArrayNode revisions = request.putArray("revisions");
    for (Spec spec : specs) {
      ObjectNode node = revisions.addObject();
      node.put("revision", spec.id);
      if (spec.down.isEmpty()) {
        node.putNull("down_revision");
      } else if (spec.down.size() == 1 && random.nextBoolean()) {
        node.put("down_revision", spec.down.get(0));
      } else {
        spec.down.forEach(node.putArray("down_revision")::add);
      }
      spec.labels.forEach(node.putArray("branch_labels")::add);
      spec.deps.forEach(node.putArray("depends_on")::add);
    }
    rows(specs).forEach(request.putArray("current")::add);
    request.put("target", target(specs));
    request.put("direction", random.nextInt(100) < 55 ? "upgrade" : "downgrade");
    return request;
  }

  /** Version table rows: mostly a consistent set of tips, sometimes odd on purpose. */
  private List<String> rows(List<Spec> specs) {
    int kind = random.nextInt(100);
    if (kind < 20) {
      return List.of();
    }
    if (kind < 24) {
      return List.of("0000dead0000");
    }
    int wanted = 1 + (random.nextInt(3) == 0 ? 1 + random.nextInt(2) : 0);
    List<String> picked = new ArrayList<>();
    for (int i = 0; i < wanted; i++) {
      String id = specs.get(random.nextInt(specs.size())).id;
      if (!picked.contains(id)) {
        picked.add(id);
      }
    }
    if (kind < 30) {
      return picked; // may overlap: one row an ancestor of another
    }
    Map<String, Set<String>> ancestors = ancestors(specs);
    List<String> tips = new ArrayList<>();
    for (String id : picked) {
      boolean implied = false;
      for (String other : picked) {
        if (!other.equals(id) && ancestors.getOrDefault(other, Set.of()).contains(id)) {
          implied = true;
        }
      }
      if (!implied) {
        tips.add(id);
      }
    }
    return tips;
  }

  /** Ancestors through down revisions and dependencies (labels resolved), for the rows. */
  private static Map<String, Set<String>> ancestors(List<Spec> specs) {
    Map<String, Spec> byName = new HashMap<>();
    for (Spec spec : specs) {
      byName.put(spec.id, spec);
    }
    for (Spec spec : specs) {
      for (String label : spec.labels) {
        byName.putIfAbsent(label, spec);
      }
    }
    Map<String, Set<String>> result = new HashMap<>();
    for (Spec spec : specs) {
      Set<String> seen = new LinkedHashSet<>();
      ArrayDeque<Spec> todo = new ArrayDeque<>(List.of(spec));
      while (!todo.isEmpty()) {
        Spec current = todo.pop();
        List<String> parents = new ArrayList<>(current.down);
        parents.addAll(current.deps);
        for (String parent : parents) {
          Spec parentSpec = byName.get(parent);
          if (parentSpec != null && seen.add(parentSpec.id)) {
            todo.push(parentSpec);
          }
        }
      }
      result.put(spec.id, seen);
    }
    return result;
  }

  private String target(List<Spec> specs) {
    Spec some = specs.get(random.nextInt(specs.size()));
    List<String> labels = new ArrayList<>();
    for (Spec spec : specs) {
      labels.addAll(spec.labels);
    }
    String label = labels.isEmpty() ? some.id : labels.get(random.nextInt(labels.size()));
    int n = 1 + random.nextInt(3);
    return switch (random.nextInt(30)) {
      case 0, 1, 2 -> "head";
      case 3, 4 -> "heads";
      case 5, 6 -> "base";
      case 7, 8, 9 -> some.id;
      case 10 -> some.id.substring(0, 1 + random.nextInt(Math.min(5, some.id.length())));
      case 11 -> label;
      case 12 -> label + "@head";
      case 13 -> label + "@heads";
      case 14 -> label + "@base";
      case 15 -> label + "@" + some.id;
      case 16, 17 -> "+" + n;
      case 18, 19 -> "-" + n;
      case 20 -> some.id + "+" + n;
      case 21 -> some.id + "-" + n;
      case 22 -> label + "@+" + n;
      case 23 -> label + "@-" + n;
      case 24 -> random.nextBoolean() ? "base-" + n : "base+" + n;
      case 25 -> random.nextBoolean() ? "head-" + n : "head+" + n;
      case 26 -> random.nextBoolean() ? "heads+" + n : "+0";
      case 27 -> random.nextBoolean() ? "0000dead0000" : "nope";
      case 28 -> random.nextBoolean() ? some.id + ":head" : label.substring(0, Math.min(2, label.length()));
      default -> random.nextBoolean() ? "-0" : label + "@" + some.id + "+" + n;
    };
  }
}
