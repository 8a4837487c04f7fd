package dev.vectis.migrations.cluster;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.plan.Inspection;
import dev.vectis.migrations.reconciler.GraphCache;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The cluster commands' access to the API server: SchemaMigrations, the operator's graph cache
 * ConfigMaps, and the approval annotation. Nothing else is read; Secrets never.
 */
public final class ClusterResources implements AutoCloseable {
  /** What an application's ServiceAccount needs for {@code wait} (the chart's appAccess). */
  public static final String NEEDED_RULES = "get, list, watch on schemamigrations "
      + "(apiGroup migrations.vectis.dev), and get on configmaps for --image";

  private final KubernetesClient client;
  private final String defaultNamespace;
  private final GraphCache graphs = new GraphCache(200_000);

  private ClusterResources(KubernetesClient client, String defaultNamespace) {
    this.client = client;
    this.defaultNamespace = defaultNamespace;
  }

  /**
   * A client from {@code kubeconfig} (or KUBECONFIG, ~/.kube/config, the in-cluster service
   * account), answering within seconds and without retries of its own: {@code wait} retries
   * on its own schedule and reports each change.
   */
  public static ClusterResources connect(Path kubeconfig, String context) throws IOException {
    Config base = kubeconfig != null
        ? Config.fromKubeconfig(context, Files.readString(kubeconfig), kubeconfig.toString())
        : Config.autoConfigure(context);
    if (context != null && (base.getCurrentContext() == null
        || !context.equals(base.getCurrentContext().getName()))) {
      // fabric8 takes the current context for one it does not find; kubectl refuses.
      throw new IOException("no context \"" + context + "\" in it");
    }
    ConfigBuilder config = new ConfigBuilder(base).withRequestRetryBackoffLimit(0)
        .withConnectionTimeout(5_000).withRequestTimeout(15_000);
    if (String.valueOf(base.getMasterUrl()).startsWith("http:")) {
      // No API server speaks HTTP/2 over plain text (h2c); the upgrade attempt only costs.
      config.withHttp2Disable(true);
    }
    Config built = config.build();
    String namespace = built.getNamespace() == null || built.getNamespace().isBlank()
        ? "default" : built.getNamespace();
    return new ClusterResources(new KubernetesClientBuilder().withConfig(built).build(),
        namespace);
  }

  /** The namespace of the kubeconfig's context (in a pod: the pod's), else default. */
  public String defaultNamespace() {
    return defaultNamespace;
  }

  public String server() {
    return String.valueOf(client.getConfiguration().getMasterUrl());
  }

  /** The resource, or null if there is none. */
  public SchemaMigration get(String namespace, String name) {
    return client.resources(SchemaMigration.class).inNamespace(namespace).withName(name).get();
  }

  /** The resources of a namespace, or of all namespaces (null), by namespace and name. */
  public List<SchemaMigration> list(String namespace) {
    var resources = client.resources(SchemaMigration.class);
    List<SchemaMigration> items = namespace == null
        ? resources.inAnyNamespace().list().getItems()
        : resources.inNamespace(namespace).list().getItems();
    return items.stream().sorted(Comparator.comparing((SchemaMigration r) ->
        r.getMetadata().getNamespace()).thenComparing(r -> r.getMetadata().getName())).toList();
  }

  /**
   * The operator's revision graph of {@code image} for this resource, from its cache ConfigMap
   * ({@link GraphCache#configMapName}): Unknown when the operator has not stored one.
   */
  public Inspection graph(SchemaMigration resource, String image) {
    String name = GraphCache.configMapName(resource, image);
    ConfigMap map;
    try {
      map = client.configMaps().inNamespace(resource.getMetadata().getNamespace())
          .withName(name).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      // Not fatal: status.appliedImage may still become the image.
      return new Inspection.Failed("not allowed to get ConfigMap " + name + ": the "
          + "ServiceAccount needs get on configmaps (the chart's appAccess[].readGraphCache)");
    }
    return map == null ? Inspection.unknown() : graphs.get(List.of(map), image);
  }

  /**
   * Sets the approval annotation: a merge patch of metadata.annotations only, so nothing
   * else of the resource (spec, other annotations) can be overwritten by a stale read.
   */
  public SchemaMigration approve(String namespace, String name, String planHash) {
    String patch = Serialization.asJson(Map.of("metadata", Map.of("annotations",
        Map.of(SchemaMigration.APPROVE_ANNOTATION, planHash))));
    return client.resources(SchemaMigration.class).inNamespace(namespace).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  /** A failure to talk to the API server, said in one line with what to do. */
  public record Problem(Kind kind, String line) {
    public enum Kind {
      /** Permissions or credentials: waiting will not help. */
      DENIED,
      /** No answer, or a server error: may pass. */
      UNREACHABLE
    }
  }

  /** What a client exception means for a user, with the verb and resource asked for. */
  public Problem problem(KubernetesClientException error, String asked) {
    int code = error.getCode();
    String answer = firstLine(error.getStatus() != null && error.getStatus().getMessage() != null
        ? error.getStatus().getMessage() : error.getMessage());
    if (code == 403) {
      return new Problem(Problem.Kind.DENIED, "forbidden to " + asked + ": " + answer
          + "; the ServiceAccount needs a Role with " + NEEDED_RULES + ", bound to it (the "
          + "operator chart's value appAccess creates one: Role and RoleBinding "
          + "<release>-schema-migration-operator-reader-<serviceAccount>)");
    }
    if (code == 401) {
      return new Problem(Problem.Kind.DENIED, "unauthorized at " + server() + ": the "
          + "credentials of the kubeconfig or the ServiceAccount token were refused");
    }
    String why = code <= 0 ? rootCause(error) : "HTTP " + code + ": " + answer;
    return new Problem(Problem.Kind.UNREACHABLE, "cannot reach the Kubernetes API at "
        + server() + " (" + why + ")");
  }

  private static String rootCause(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return firstLine(cause.getMessage() != null ? cause.getMessage()
        : cause.getClass().getSimpleName());
  }

  private static String firstLine(String text) {
    return text == null ? "" : text.lines().findFirst().orElse("").strip();
  }

  @Override
  public void close() {
    client.close();
  }
}
