package dev.vectis.migrations.cli;

import static dev.vectis.migrations.cli.ClusterFixture.conditions;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vectis.migrations.api.HistoryEntry;
import dev.vectis.migrations.api.PendingPlan;
import dev.vectis.migrations.api.PendingRevision;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.reconciler.GraphCache;
import dev.vectis.migrations.reconciler.TestApiServer;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * wait, approve, history NAMESPACE/NAME and kubectl smig against the test API server, with
 * statuses written as the operator writes them.
 */
class ClusterCommandsTest {
  static final String OLD = "registry.example.com/vectis/backend:1.13.0";
  static final String NEW = "registry.example.com/vectis/backend:1.14.0";
  static final String FAST = "--poll-interval=50ms";

  static TestApiServer api;
  static ClusterFixture cluster;
  @TempDir static Path work;

  @BeforeAll
  static void startApiServer() throws IOException {
    api = TestApiServer.start();
    cluster = new ClusterFixture(api.client(), api.url(), "shop", work);
    // Classes loaded once: a background wait's first read is then at once.
    cluster.run("wait", "warm-up", "--timeout=0");
  }

  @AfterAll
  static void stopApiServer() {
    api.close();
  }

  private static void ready(String name, long generation, String rows, String image) {
    cluster.status("shop", name, status -> {
      status.observedGeneration = generation;
      status.currentRevision = rows;
      status.targetRevision = rows;
      status.appliedImage = image;
      status.conditions = conditions(generation, "True", "AtTarget", "at " + rows, false);
    });
  }

  @Test
  void waitReturnsOnlyWhenReadyForTheCurrentGeneration() {
    cluster.create("shop", "gen", OLD);
    ready("gen", 1, "aaa1", OLD);
    cluster.editSpec("shop", "gen", spec -> spec.image = NEW); // generation 2, not observed

    ClusterFixture.Run stale = cluster.run("wait", "shop/gen", "--timeout=300ms", FAST);
    assertThat(stale.exitCode()).isEqualTo(ClusterOptions.EXIT_TIMEOUT);
    assertThat(stale.stderr().strip()).startsWith("wait: timed out after").contains(
        "shop/gen", "NotObserved", "generation 2").doesNotContain("\n");

    ready("gen", 2, "bbb2", NEW);
    ClusterFixture.Run current = cluster.run("wait", "--namespace", "shop", "--name", "gen",
        FAST);
    assertThat(current.exitCode()).isZero();
    assertThat(current.stdout()).contains("wait: shop/gen is Ready: Ready at bbb2");
  }

  @Test
  void stalledForTheCurrentGenerationExitsWithTheReasonOnOneLine() {
    cluster.create("shop", "stalled", NEW);
    cluster.status("shop", "stalled", status -> {
      status.observedGeneration = 1L;
      status.conditions = conditions(1, "False", "DowngradeNotAllowed",
          "the target aaa1 is behind the database\n(bbb2); set spec.downgrade.allow", true);
    });

    ClusterFixture.Run run = cluster.run("wait", "stalled", "--timeout=5s", FAST);

    assertThat(run.exitCode()).isEqualTo(ClusterOptions.EXIT_FAILED);
    assertThat(run.stderr()).isEqualTo("wait: shop/stalled is Stalled: DowngradeNotAllowed: "
        + "the target aaa1 is behind the database (bbb2); set spec.downgrade.allow\n");

    cluster.editSpec("shop", "stalled", spec -> spec.image = OLD);
    ClusterFixture.Run newSpec = cluster.run("wait", "stalled", "--timeout=200ms", FAST);
    assertThat(newSpec.exitCode()).as("a Stalled of the older generation: the operator has "
        + "not looked at the new spec yet").isEqualTo(ClusterOptions.EXIT_TIMEOUT);
  }

  @Test
  void waitKeepsWaitingUntilTheResourceIsCreatedAndSaysEachReasonOnce() throws Exception {
    CompletableFuture<ClusterFixture.Run> waiting = cluster.start("wait", "shop/later",
        "--timeout=20s", FAST);
    Thread.sleep(1_000);
    cluster.create("shop", "later", NEW);
    Thread.sleep(1_000);
    cluster.status("shop", "later", status -> {
      status.observedGeneration = 1L;
      status.conditions = conditions(1, "False", "Migrating", "running alembic upgrade", false);
    });
    Thread.sleep(1_000);
    ready("later", 1, "bbb2", NEW);

    ClusterFixture.Run run = waiting.get(30, TimeUnit.SECONDS);
    assertThat(run.exitCode()).isZero();
    assertThat(run.stdout().lines().toList()).containsExactly(
        "wait: shop/later: NotFound: not found (yet): waiting for it to be created",
        "wait: shop/later: NotObserved: the operator has not reported on generation 1 yet",
        "wait: shop/later: Migrating: running alembic upgrade",
        "wait: shop/later is Ready: Ready at bbb2");
  }

  @Test
  void withImageWaitsUntilTheImagesHeadsAreInTheDatabase() throws Exception {
    SchemaMigration resource = cluster.create("shop", "image", OLD);
    ready("image", 1, "bbb2", OLD);

    ClusterFixture.Run unknown = cluster.run("wait", "image", "--image", NEW,
        "--timeout=200ms", FAST);
    assertThat(unknown.exitCode()).isEqualTo(ClusterOptions.EXIT_TIMEOUT);
    assertThat(unknown.stdout()).containsOnlyOnce("ImageGraphUnknown: the operator has no "
        + "revision graph of " + NEW);

    // The operator inspected the new image (GitOps changed the spec): its head is ccc3.
    api.client().configMaps().inNamespace("shop").resource(GraphCache.toConfigMap(resource,
        NEW, inspection("aaa1", "bbb2", "ccc3"), Instant.now())).create();
    api.client().configMaps().inNamespace("shop").resource(GraphCache.toConfigMap(resource,
        OLD, inspection("aaa1", "bbb2"), Instant.now())).create();
    CompletableFuture<ClusterFixture.Run> waiting = cluster.start("wait", "image", "--image",
        NEW, "--timeout=20s", FAST);
    Thread.sleep(1_000);
    ready("image", 1, "ccc3", "registry.example.com/vectis/backend:hotfix");

    ClusterFixture.Run run = waiting.get(30, TimeUnit.SECONDS);
    assertThat(run.exitCode()).isZero();
    assertThat(run.stdout()).contains("ImageNotApplied: the database is at bbb2, without "
        + NEW + "'s head ccc3").contains("is Ready: the database at ccc3 includes " + NEW
        + "'s heads ccc3");

    ClusterFixture.Run older = cluster.run("wait", "image", "--image", OLD, FAST);
    assertThat(older.exitCode()).as("an older image's head is below the rows").isZero();
    ClusterFixture.Run applied = cluster.run("wait", "image", "--image",
        "registry.example.com/vectis/backend:hotfix", FAST);
    assertThat(applied.exitCode()).as("status.appliedImage").isZero();
  }

  @Test
  void aForbiddenReadIsAPermanentErrorNamingTheRoleNeeded() {
    api.server().expect().get()
        .withPath("/apis/migrations.vectis.dev/v1alpha1/namespaces/locked/schemamigrations/app")
        .andReturn(403, new StatusBuilder().withStatus("Failure").withCode(403)
            .withReason("Forbidden").withMessage("schemamigrations.migrations.vectis.dev \"app\""
                + " is forbidden: User \"system:serviceaccount:locked:web\" cannot get "
                + "resource \"schemamigrations\" in API group \"migrations.vectis.dev\" in the "
                + "namespace \"locked\"").build()).always();

    ClusterFixture.Run run = cluster.run("wait", "locked/app", "--timeout=10s", FAST);

    assertThat(run.exitCode()).isEqualTo(ClusterOptions.EXIT_DENIED);
    assertThat(run.stderr().strip()).doesNotContain("\n").contains(
        "system:serviceaccount:locked:web", "get, list, watch on schemamigrations",
        "appAccess");
  }

  @Test
  void aForbiddenGraphCacheIsSaidOnceAndWaitedOutForAppliedImage() {
    SchemaMigration resource = cluster.create("shop", "nocache", OLD);
    ready("nocache", 1, "bbb2", OLD);
    api.server().expect().get().withPath("/api/v1/namespaces/shop/configmaps/"
        + GraphCache.configMapName(resource, NEW)).andReturn(403, new StatusBuilder()
        .withStatus("Failure").withCode(403).withReason("Forbidden").withMessage("configmaps is "
            + "forbidden").build()).always();

    ClusterFixture.Run run = cluster.run("wait", "nocache", "--image", NEW, "--timeout=300ms",
        FAST);

    assertThat(run.exitCode()).as("status.appliedImage may still become the image")
        .isEqualTo(ClusterOptions.EXIT_TIMEOUT);
    assertThat(run.stdout()).containsOnlyOnce("not allowed to get ConfigMap nocache-graph-")
        .contains("appAccess[].readGraphCache");
  }

  @Test
  void anUnreachableApiServerIsWaitedForUntilTheTimeout() throws IOException {
    Path nowhere = ClusterFixture.writeKubeconfig(work.resolve("nowhere"),
        "http://127.0.0.1:1", "shop");
    CapturedRun run = CapturedRun.of("", "wait", "app", "--timeout=500ms", FAST,
        "--kubeconfig", nowhere.toString());
    assertThat(run.exitCode()).isEqualTo(ClusterOptions.EXIT_TIMEOUT);
    assertThat(run.stdout()).containsOnlyOnce("Unreachable: cannot reach the Kubernetes API");
    assertThat(run.stderr()).contains("timed out after 500ms", "Unreachable");
  }

  /**
   * A kubeconfig that is not YAML: the parser's message quotes the line of the mistake, where
   * the token is. Nothing of the file is printed; it is bad input, said on one line.
   */
  @Test
  void aKubeconfigThatIsNotYamlIsNotQuotedWithItsToken() throws IOException {
    Path flow = java.nio.file.Files.writeString(work.resolve("flow-kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters: [{name: test, cluster: {server: "%s"}}]
        users: [{name: test, user: {token: s3cr3t-t0ken-value, : }]
        contexts: [{name: test, context: {cluster: test, user: test, namespace: shop}}]
        current-context: test
        """.formatted(api.url()));
    Path unterminated = java.nio.file.Files.writeString(work.resolve("quote-kubeconfig"),
        "users:\n- name: test\n  user:\n    token: \"s3cr3t-t0ken-value\n");

    for (Path kubeconfig : List.of(flow, unterminated)) {
      for (String[] command : List.of(new String[] {"wait", "shop/app", "--timeout=0"},
          new String[] {"smig", "status", "-A"})) {
        List<String> args = new java.util.ArrayList<>(List.of(command));
        args.addAll(List.of("--kubeconfig", kubeconfig.toString()));
        CapturedRun run = CapturedRun.of("", args.toArray(String[]::new));
        assertThat(run.stdout() + run.stderr()).as(String.join(" ", args))
            .doesNotContain("s3cr3t-t0ken-value");
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.stderr().strip()).contains("kubeconfig").doesNotContain("\n");
      }
    }
  }

  /**
   * A --context the kubeconfig does not have (a typo of "staging"): kubectl refuses it. Taking
   * the current context instead reads, and approves, on another cluster than the one meant.
   */
  @Test
  void aContextTheKubeconfigLacksIsRefusedNotReplacedByTheCurrentOne() {
    cluster.create("shop", "elsewhere", OLD);
    cluster.status("shop", "elsewhere", status -> {
      status.observedGeneration = 1L;
      status.conditions = conditions(1, "False", "AwaitingApproval", "approve plan 9f8e", false);
      status.pendingPlan = plan("9f8e7d6c5b4a");
    });

    ClusterFixture.Run status = cluster.run("smig", "status", "-A", "--context", "stagign");
    ClusterFixture.Run approve = cluster.run("approve", "shop/elsewhere", "--context",
        "stagign");

    for (ClusterFixture.Run run : List.of(status, approve)) {
      assertThat(run.exitCode()).as(run.stdout()).isEqualTo(Main.EXIT_USAGE);
      assertThat(run.stderr().strip()).contains("stagign").doesNotContain("\n");
    }
    Map<String, String> annotations = cluster.get("shop", "elsewhere").getMetadata()
        .getAnnotations();
    assertThat(annotations == null ? Map.<String, String>of() : annotations)
        .as("nothing approved on the current context's cluster")
        .doesNotContainKey(SchemaMigration.APPROVE_ANNOTATION);
  }

  /**
   * Server errors, throttling and a proxy's HTML page between good answers: wait reports them
   * and keeps waiting, and returns 0 only once the resource really is Ready.
   */
  @Test
  void anApiServerThatFailsNowAndThenIsWaitedOutAndNeverTakenForReady() throws Exception {
    cluster.create("shop", "flaky", NEW);
    String path = "/apis/migrations.vectis.dev/v1alpha1/namespaces/shop/schemamigrations/flaky";
    api.server().expect().get().withPath(path).andReturn(500, new StatusBuilder()
        .withStatus("Failure").withCode(500).withMessage("etcdserver: request timed out")
        .build()).times(3);
    api.server().expect().get().withPath(path).andReturn(429, "").times(2);
    api.server().expect().get().withPath(path).andReturn(200, "<html>upstream gone</html>")
        .times(2);
    api.server().expect().get().withPath(path).andReturn(503, "").times(2);

    CompletableFuture<ClusterFixture.Run> waiting = cluster.start("wait", "shop/flaky",
        "--timeout=20s", FAST);
    Thread.sleep(1_500);
    assertThat(waiting).as("still waiting").isNotDone();
    ready("flaky", 1, "ccc3", NEW);

    ClusterFixture.Run run = waiting.get(30, TimeUnit.SECONDS);
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    assertThat(run.stdout()).contains("Unreachable").contains("is Ready: Ready at ccc3");
  }

  /** Deleted while waiting (and created again): back to waiting, never Ready from before. */
  @Test
  void aResourceDeletedWhileWaitedForIsWaitedForAgain() throws Exception {
    cluster.create("shop", "gone", NEW);
    cluster.status("shop", "gone", status -> {
      status.observedGeneration = 1L;
      status.conditions = conditions(1, "False", "Migrating", "running alembic upgrade", false);
    });
    CompletableFuture<ClusterFixture.Run> waiting = cluster.start("wait", "shop/gone",
        "--timeout=20s", FAST);
    Thread.sleep(700);
    api.client().resources(SchemaMigration.class).inNamespace("shop").withName("gone")
        .delete();
    Thread.sleep(700);
    cluster.create("shop", "gone", NEW);
    Thread.sleep(700);
    assertThat(waiting).isNotDone();
    ready("gone", 1, "ccc3", NEW);

    ClusterFixture.Run run = waiting.get(30, TimeUnit.SECONDS);
    assertThat(run.exitCode()).isZero();
    assertThat(run.stdout().lines().toList()).containsExactly(
        "wait: shop/gone: Migrating: running alembic upgrade",
        "wait: shop/gone: NotFound: not found (yet): waiting for it to be created",
        "wait: shop/gone: NotObserved: the operator has not reported on generation 1 yet",
        "wait: shop/gone is Ready: Ready at ccc3");
  }

  @Test
  void aTimeoutOfZeroReadsOnceAndGarbageIsBadInput() {
    cluster.create("shop", "zero", NEW);
    ready("zero", 1, "ccc3", NEW);
    assertThat(cluster.run("wait", "shop/zero", "--timeout=0").exitCode()).isZero();
    assertThat(cluster.run("wait", "shop/zero", "--timeout=0s").exitCode()).isZero();
    assertThat(cluster.run("wait", "shop/nothing-here", "--timeout=0").exitCode())
        .isEqualTo(ClusterOptions.EXIT_TIMEOUT);
    for (String garbage : List.of("-1s", "1.5s", "", "10", "1h30", "s", "99999999999999999999s",
        "999999999h", "0x10s")) {
      ClusterFixture.Run run = cluster.run("wait", "shop/zero", "--timeout=" + garbage);
      assertThat(run.exitCode()).as("--timeout=%s: %s", garbage, run.stderr())
          .isEqualTo(Main.EXIT_USAGE);
      assertThat(run.stderr().strip()).as(garbage).contains("--timeout").doesNotContain("\n");
    }
    ClusterFixture.Run poll = cluster.run("wait", "shop/zero", "--poll-interval=999999999h");
    assertThat(poll.exitCode()).as(poll.stderr()).isIn(0, Main.EXIT_USAGE);
  }

  @Test
  void badInputIsOneLineNamingTheFlag() {
    ClusterFixture.Run timeout = cluster.run("wait", "app", "--timeout", "soon");
    assertThat(timeout.exitCode()).isEqualTo(Main.EXIT_USAGE);
    assertThat(timeout.stderr().strip()).contains("--timeout", "soon").doesNotContain("\n");
    ClusterFixture.Run both = cluster.run("wait", "app", "--name", "other");
    assertThat(both.exitCode()).isEqualTo(Main.EXIT_USAGE);
    assertThat(both.stderr()).contains("exactly one");
    ClusterFixture.Run badHash = cluster.run("approve", "shop/app", "--plan-hash", "9f 8e");
    assertThat(badHash.exitCode()).isEqualTo(Main.EXIT_USAGE);
    assertThat(badHash.stderr()).startsWith("approve: --plan-hash '9f 8e': not a plan hash");
    ClusterFixture.Run badName = cluster.run("approve", "shop/Not_A_Name");
    assertThat(badName.exitCode()).isEqualTo(Main.EXIT_USAGE);
    assertThat(badName.stderr().strip()).isEqualTo("approve: [NAMESPACE/]NAME shop/Not_A_Name: "
        + "Not_A_Name is not a resource name (lower-case letters, digits, '-' and '.')");
  }

  @Test
  void approveRefusesWhenNothingWaitsOrThePlanChangedAndElseWritesTheAnnotation() {
    cluster.create("shop", "approval", OLD);
    api.client().resources(SchemaMigration.class).inNamespace("shop").withName("approval")
        .edit(r -> {
          r.getMetadata().setAnnotations(Map.of("team", "payments"));
          return r;
        });
    ClusterFixture.Run nothing = cluster.run("approve", "shop/approval");
    assertThat(nothing.exitCode()).isEqualTo(ClusterOptions.EXIT_FAILED);
    assertThat(nothing.stderr()).contains("shop/approval: nothing waits for approval");

    cluster.status("shop", "approval", status -> {
      status.observedGeneration = 1L;
      status.conditions = conditions(1, "False", "AwaitingApproval", "approve plan 9f8e", false);
      status.pendingPlan = plan("9f8e7d6c5b4a");
    });
    ClusterFixture.Run changed = cluster.run("approve", "shop/approval", "--plan-hash",
        "0123456789ab");
    assertThat(changed.exitCode()).isEqualTo(ClusterOptions.EXIT_FAILED);
    assertThat(changed.stderr()).contains("the plan changed since you reviewed it",
        "--plan-hash 0123456789ab", "9f8e7d6c5b4a");
    assertThat(cluster.get("shop", "approval").getMetadata().getAnnotations())
        .doesNotContainKey(SchemaMigration.APPROVE_ANNOTATION);

    ClusterFixture.Run approved = cluster.run("smig", "approve", "approval", "-n", "shop",
        "--plan-hash", "9f8e7d6c5b4a");
    assertThat(approved.exitCode()).as(approved.stderr()).isZero();
    assertThat(approved.stdout()).contains("Approved shop/approval: downgrade ccc3 → aaa1, 2 "
        + "steps, backup first, plan hash 9f8e7d6c5b4a", "bbb2  add orders");
    ClusterFixture.Run plan = cluster.run("smig", "plan", "approval");
    assertThat(plan.stdout()).startsWith("Waiting for approval: `approve shop/approval "
        + "--plan-hash 9f8e7d6c5b4a`\nPlan hash: 9f8e7d6c5b4a\nDirection: downgrade\n"
        + "From:      ccc3\nTo:        aaa1\nImage:     " + NEW + "\nBackup:    yes, a "
        + "verified backup is taken first\nSteps (2):\n  ccc3  add refunds\n  bbb2  add orders");
    SchemaMigration after = cluster.get("shop", "approval");
    assertThat(after.getMetadata().getAnnotations()).containsEntry(
        SchemaMigration.APPROVE_ANNOTATION, "9f8e7d6c5b4a").containsEntry("team", "payments");
    assertThat(after.getMetadata().getGeneration()).as("only metadata changed").isEqualTo(1L);
  }

  /**
   * The spec changed after the operator wrote the plan (the hash covers the generation, so
   * that plan can never run): approving it is void, and saying "Approved" would be false.
   */
  @Test
  void approveRefusesAPlanOfAnOlderGeneration() {
    cluster.create("shop", "moved", OLD);
    cluster.status("shop", "moved", status -> {
      status.observedGeneration = 1L;
      status.conditions = conditions(1, "False", "AwaitingApproval", "approve plan 9f8e", false);
      status.pendingPlan = plan("9f8e7d6c5b4a");
    });
    cluster.editSpec("shop", "moved", spec -> spec.image = NEW); // generation 2, not observed

    ClusterFixture.Run reviewed = cluster.run("approve", "shop/moved", "--plan-hash",
        "9f8e7d6c5b4a");
    ClusterFixture.Run blind = cluster.run("approve", "shop/moved");

    for (ClusterFixture.Run run : List.of(reviewed, blind)) {
      assertThat(run.exitCode()).as(run.stdout()).isEqualTo(ClusterOptions.EXIT_FAILED);
      assertThat(run.stderr()).contains("generation 2");
    }
    assertThat(cluster.get("shop", "moved").getMetadata().getAnnotations())
        .doesNotContainKey(SchemaMigration.APPROVE_ANNOTATION);
  }

  private static PendingPlan plan(String hash) {
    PendingPlan plan = new PendingPlan();
    plan.planHash = hash;
    plan.direction = "downgrade";
    plan.from = "ccc3";
    plan.to = "aaa1";
    plan.image = NEW;
    plan.backup = true;
    plan.steps = List.of(new PendingRevision("ccc3", "add refunds"),
        new PendingRevision("bbb2", "add orders"));
    return plan;
  }

  @Test
  void kubectlSmigFollowsKubectlsFlagsAndOutputs() throws Exception {
    cluster.create("shop", "listed", NEW);
    ready("listed", 1, "ccc3", NEW);
    cluster.create("billing", "ledger", OLD);
    cluster.status("billing", "ledger", status -> {
      status.observedGeneration = 1L;
      status.currentRevision = "";
      status.conditions = conditions(1, "False", "Migrating", "upgrading\nto bbb2", false);
      status.pending = List.of(new PendingRevision("aaa1", "a"), new PendingRevision("bbb2",
          "b"));
    });

    ClusterFixture.Run all = cluster.run("smig", "status", "-A");
    assertThat(all.exitCode()).as(all.stderr()).isZero();
    List<String> lines = all.stdout().lines().toList();
    assertThat(lines.get(0)).matches("NAMESPACE +NAME +CURRENT +TARGET +READY +REASON +AGE");
    assertThat(lines).anyMatch(line -> line.matches(
        "billing +ledger +base +<none> +False +Migrating +\\d+s"));
    assertThat(lines).anyMatch(line -> line.matches(
        "shop +listed +ccc3 +ccc3 +True +AtTarget +\\d+s"));

    ClusterFixture.Run wide = cluster.run("smig", "status", "-n", "billing", "-o", "wide");
    assertThat(wide.stdout().lines().toList()).hasSize(2).first().asString().matches(
        "NAME +CURRENT +TARGET +READY +REASON +AGE +IMAGE +APPLIED +PENDING +MESSAGE");
    assertThat(wide.stdout().lines().toList().get(1)).matches("ledger +base .* " + OLD
        .replace(".", "\\.") + " +<none> +2 +upgrading to bbb2");

    ClusterFixture.Run defaultNamespace = cluster.run("smig", "status");
    assertThat(defaultNamespace.stdout()).as("the kubeconfig context's namespace: shop")
        .contains("listed").doesNotContain("ledger");

    JsonNode list = Serialization.jsonMapper().readTree(cluster.run("smig", "status", "-A",
        "-o", "json").stdout());
    assertThat(list.fieldNames()).toIterable().containsExactly("apiVersion", "kind", "items");
    assertThat(list.path("kind").asText()).isEqualTo("List");
    assertThat(list.path("items")).extracting(item -> item.path("metadata").path("name")
        .asText()).contains("ledger", "listed");
    JsonNode one = Serialization.yamlMapper().readTree(cluster.run("smig", "status",
        "ledger", "-n", "billing", "-o", "yaml").stdout());
    assertThat(one.path("status").path("currentRevision").isTextual()).as("\"\" is base, kept")
        .isTrue();
    assertThat(one.path("kind").asText()).isEqualTo("SchemaMigration");

    ClusterFixture.Run missing = cluster.run("smig", "status", "nope", "-o", "json");
    assertThat(missing.exitCode()).isEqualTo(ClusterOptions.EXIT_FAILED);
    assertThat(Serialization.jsonMapper().readTree(missing.stdout()).path("error")
        .path("message").asText()).isEqualTo("shop/nope: not found");

    ClusterFixture.Run plan = cluster.run("smig", "plan", "ledger", "-n", "billing");
    assertThat(plan.stdout()).contains("No plan is waiting for approval", "Current:   base",
        "Pending (2):", "bbb2  b");
  }

  @Test
  void historyPrintsTheClusterResourcesRunsNewestFirst() throws Exception {
    cluster.create("shop", "history", NEW);
    cluster.status("shop", "history", status -> {
      status.observedGeneration = 1L;
      status.conditions = conditions(1, "True", "AtTarget", "", false);
      status.history = List.of(
          entry("migrate", "downgrade", "ccc3", "bbb2", "2026-01-02T10:00:00Z", "9f8e7d6c5b4a3"),
          entry("backup", null, "ccc3", "ccc3", "2026-01-02T09:59:00Z", null),
          entry("migrate", "upgrade", "", "ccc3", "2026-01-01T10:00:00Z", null));
    });

    ClusterFixture.Run table = cluster.run("history", "shop/history");
    assertThat(table.exitCode()).as(table.stderr()).isZero();
    List<String> lines = table.stdout().lines().toList();
    assertThat(lines.get(0)).matches("COMPLETED +ACTION +DIRECTION +FROM +TO +IMAGE +RESULT "
        + "+BACKUP +PLAN-HASH");
    assertThat(lines.get(1)).matches("2026-01-02T10:00:00Z +migrate +downgrade +ccc3 +bbb2 .*"
        + "Succeeded +/backups/x\\.dump +9f8e7d6c5b4a");
    assertThat(lines.get(3)).matches("2026-01-01T10:00:00Z +migrate +upgrade +base +ccc3 .*");

    JsonNode json = Serialization.jsonMapper().readTree(cluster.run("history",
        "shop/history", "-o", "json").stdout());
    assertThat(json.path("history")).hasSize(3);
    assertThat(json.path("history").get(0).path("entry").path("planHash").asText())
        .isEqualTo("9f8e7d6c5b4a3");

    ClusterFixture.Run all = cluster.run("smig", "history", "-A");
    assertThat(all.stdout().lines().findFirst().orElseThrow()).startsWith("NAMESPACE   NAME");
    assertThat(all.stdout()).contains("shop        history");
  }

  private static HistoryEntry entry(String action, String direction, String from, String to,
      String completed, String planHash) {
    HistoryEntry entry = new HistoryEntry();
    entry.action = action;
    entry.direction = direction;
    entry.from = from;
    entry.to = to;
    entry.image = NEW;
    entry.completedAt = completed;
    entry.result = "Succeeded";
    entry.backup = "/backups/x.dump";
    entry.planHash = planHash;
    return entry;
  }

  /** The inspection script's document for a straight line of revisions. */
  static String inspection(String... ids) {
    StringBuilder revisions = new StringBuilder();
    String previous = null;
    for (String id : ids) {
      revisions.append(revisions.length() == 0 ? "" : ",").append("{\"revision\":\"").append(id)
          .append("\",\"down_revision\":").append(previous == null ? "null"
              : "\"" + previous + "\"").append(",\"branch_labels\":[],\"depends_on\":[],"
              + "\"doc\":\"").append(id).append("\",\"upgrade_empty\":false,"
              + "\"downgrade_empty\":false}");
      previous = id;
    }
    return "{\"alembic_version\":\"1.8.1\",\"revisions\":[" + revisions + "],\"heads\":[\""
        + previous + "\"],\"bases\":[\"" + ids[0] + "\"],\"changes\":{}}";
  }
}
