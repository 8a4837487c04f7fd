package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.DatabaseSpec;
import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import dev.vectis.migrations.api.SchemaMigrationStatus;
import dev.vectis.migrations.api.SecretRef;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The cluster commands run in-process against an API server through a kubeconfig, as a user
 * or an init container runs them; statuses written as the operator writes them.
 */
public final class ClusterFixture {
  private final KubernetesClient client;
  private final Path kubeconfig;

  /** A kubeconfig for {@code url} whose context's namespace is {@code namespace}. */
  public ClusterFixture(KubernetesClient client, String url, String namespace, Path directory)
      throws IOException {
    this.client = client;
    this.kubeconfig = writeKubeconfig(directory.resolve("kubeconfig"), url, namespace);
  }

  public static Path writeKubeconfig(Path file, String url, String namespace)
      throws IOException {
    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters: [{name: test, cluster: {server: "%s"}}]
        users: [{name: test, user: {token: not-a-secret}}]
        contexts: [{name: test, context: {cluster: test, user: test, namespace: %s}}]
        current-context: test
        """.formatted(url, namespace));
    return file;
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  /** What a run printed and its exit code. */
  public record Run(int exitCode, String stdout, String stderr) {}

  /** The command line with --kubeconfig appended (after the subcommand's own arguments). */
  public Run run(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--kubeconfig", kubeconfig.toString()));
    CapturedRun run = CapturedRun.of("", all.toArray(String[]::new));
    return new Run(run.exitCode(), run.stdout(), run.stderr());
  }

  /** The same, in the background (for a wait that must see a change). */
  public CompletableFuture<Run> start(String... args) {
    return CompletableFuture.supplyAsync(() -> run(args));
  }

  public SchemaMigration create(String namespace, String name, String image) {
    SchemaMigration resource = new SchemaMigration();
    resource.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace)
        .build());
    SchemaMigrationSpec spec = new SchemaMigrationSpec();
    spec.image = image;
    spec.targetRevision = "head";
    spec.database = new DatabaseSpec();
    spec.database.secretRef = new SecretRef();
    spec.database.secretRef.name = "db";
    resource.setSpec(spec);
    return client.resources(SchemaMigration.class).inNamespace(namespace).resource(resource)
        .create();
  }

  public SchemaMigration get(String namespace, String name) {
    return client.resources(SchemaMigration.class).inNamespace(namespace).withName(name).get();
  }

  /** Writes the status as the operator does (the status subresource). */
  public void status(String namespace, String name, Consumer<SchemaMigrationStatus> change) {
    SchemaMigration resource = get(namespace, name);
    if (resource.getStatus() == null) {
      resource.setStatus(new SchemaMigrationStatus());
    }
    change.accept(resource.getStatus());
    client.resources(SchemaMigration.class).inNamespace(namespace).resource(resource)
        .updateStatus();
  }

  public void editSpec(String namespace, String name, Consumer<SchemaMigrationSpec> change) {
    client.resources(SchemaMigration.class).inNamespace(namespace).withName(name).edit(r -> {
      change.accept(r.getSpec());
      return r;
    });
  }

  /** Ready, Reconciling and Stalled as the status writer sets them, for {@code generation}. */
  public static List<Condition> conditions(long generation, String ready, String reason,
      String message, boolean stalled) {
    boolean isReady = ready.equals("True");
    return new ArrayList<>(List.of(
        condition("Ready", ready, reason, message, generation),
        condition("Reconciling", !isReady && !stalled && !reason.equals("AwaitingApproval")
            ? "True" : "False", reason, message, generation),
        condition("Stalled", stalled ? "True" : "False", reason, message, generation)));
  }

  static Condition condition(String type, String status, String reason, String message,
      long generation) {
    return new ConditionBuilder().withType(type).withStatus(status).withReason(reason)
        .withMessage(message).withObservedGeneration(generation)
        .withLastTransitionTime("2026-01-01T00:00:00Z").build();
  }
}
