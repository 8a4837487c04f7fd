package dev.vectis.migrations.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vectis.migrations.testing.ProjectPaths;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusCauseBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test harness, not product: fabric8's mock API server in CRUD mode, made to behave like
 * Kubernetes where the operator depends on it.
 *
 * <ul>
 *   <li>An object over {@value #MAX_OBJECT_BYTES} bytes (its JSON, after a patch is applied) is
 *       refused with 422 and a Status like the API server's ({@code Too long: must have at most
 *       1048576 bytes}); nothing is stored.</li>
 *   <li>{@code metadata.generation} is 1 on create, whatever the client sent, and advances only
 *       when something outside {@code metadata} and {@code status} changes (for a
 *       SchemaMigration: its spec). fabric8 7.5.2's CRUD dispatcher already does this on PUT and
 *       PATCH ({@code KubernetesCrudPersistence.preserveMetadata}/{@code touchGeneration}); a
 *       {@code generation} a client sends is ignored. {@code TestApiServerTest} pins both.</li>
 *   <li>The SchemaMigration CRD (crds/) is installed, so {@code status} is a subresource: a write
 *       to the resource cannot change its status, a write to {@code /status} only its status.</li>
 *   <li>Every write is journaled with the client's User-Agent, so a test can tell which of two
 *       operator instances wrote what ({@link #newClient(String)}).</li>
 * </ul>
 * Expectations ({@code server().expect()}, e.g. pod logs) still work, as in fabric8's mixed mode.
 */
public final class TestApiServer implements AutoCloseable {
  /** What the API server (and etcd) accepts per object. */
  public static final int MAX_OBJECT_BYTES = 1_048_576;

  /** A write the server accepted or refused: who (User-Agent), what, when, and the answer. */
  public record Write(Instant at, String userAgent, String method, String path, String body,
      int code) {}

  private final KubernetesMockServer server;
  private final String url;
  private final KubernetesClient client;
  private final List<Write> writes = new CopyOnWriteArrayList<>();
  private final List<KubernetesClient> clients = new CopyOnWriteArrayList<>();
  private volatile boolean journaling = true;

  private TestApiServer() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(),
        responses, new Fidelity(new KubernetesMixedDispatcher(responses)), false);
    server.init();
    url = server.url("/").toString().replaceAll("/$", "");
    client = newClient("test");
    try (InputStream crd = Files.newInputStream(ProjectPaths.root()
        .resolve("crds/schemamigrations.migrations.vectis.dev-v1.yml"))) {
      client.apiextensions().v1().customResourceDefinitions()
          .resource(Serialization.unmarshal(crd, CustomResourceDefinition.class)).create();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the CRD", e);
    }
  }

  public static TestApiServer start() {
    return new TestApiServer();
  }

  public KubernetesMockServer server() {
    return server;
  }

  /** The test's own client (User-Agent {@code test}). */
  public KubernetesClient client() {
    return client;
  }

  public String url() {
    return url;
  }

  /** A new client of this server whose writes are journaled under this User-Agent. */
  public KubernetesClient newClient(String userAgent) {
    return newClient(userAgent, url());
  }

  /** A new client that reaches this server at another address (e.g. through a proxy). */
  public KubernetesClient newClient(String userAgent, String masterUrl) {
    KubernetesClient created = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(Config.empty()).withMasterUrl(masterUrl)
            .withNamespace("default").withUserAgent(userAgent)
            .withHttp2Disable(true) // as fabric8's own mock clients: h2c upgrades of large bodies hang
            .withRequestRetryBackoffLimit(0).build())
        .build();
    clients.add(created);
    return created;
  }

  /** The writes so far (POST, PUT, PATCH, DELETE), oldest first. */
  public List<Write> writes() {
    return List.copyOf(writes);
  }

  /** A benchmark turns the journal off; it keeps every body. */
  public TestApiServer journaling(boolean on) {
    journaling = on;
    return this;
  }

  @Override
  public void close() {
    for (KubernetesClient each : clients) {
      each.close();
    }
    server.destroy();
  }

  /** Wraps the CRUD dispatcher: size limit and journal; generation is the dispatcher's own. */
  private final class Fidelity extends Dispatcher {
    private final Dispatcher crud;

    Fidelity(Dispatcher crud) {
      this.crud = crud;
    }

    @Override
    public MockResponse dispatch(RecordedRequest received) {
      RecordedRequest request = received;
      String method = request.getMethod().toUpperCase();
      if (method.equals("GET")) {
        return crud.dispatch(request);
      }
      // Reading the body consumes it: the CRUD dispatcher gets a copy.
      String body = request.getBody() == null ? "" : request.getUtf8Body();
      request = new RecordedRequest(request.getHttpVersion(), request.method(),
          request.getPath(), request.getHeaders(), new io.fabric8.mockwebserver.http.Buffer(
              body.getBytes(StandardCharsets.UTF_8)));
      MockResponse response;
      if (method.equals("POST") && request.getPath().startsWith(
          "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
        response = everythingAllowed(body); // as a cluster without RBAC answers
      } else {
        synchronized (this) {
          String tooLong = method.equals("DELETE") ? null : tooLong(request, method, body);
          response = tooLong != null ? tooLong(tooLong) : crud.dispatch(request);
        }
      }
      if (journaling) {
        writes.add(new Write(Instant.now(), request.getHeader("User-Agent"), method,
            request.getPath(), body, response.code()));
      }
      return response;
    }

    /** A SelfSubjectRulesReview answered as the API server does: here, everything is allowed. */
    private MockResponse everythingAllowed(String body) {
      try {
        ObjectNode review = (ObjectNode) Serialization.jsonMapper().readTree(body);
        ObjectNode status = review.putObject("status");
        status.put("incomplete", false);
        var rules = status.putArray("resourceRules");
        ObjectNode leases = rules.addObject();
        leases.putArray("verbs").add("create").add("update").add("get");
        leases.putArray("apiGroups").add("coordination.k8s.io");
        leases.putArray("resources").add("leases");
        ObjectNode all = rules.addObject();
        all.putArray("verbs").add("*");
        all.putArray("apiGroups").add("*");
        all.putArray("resources").add("*");
        return new MockResponse().setResponseCode(201)
            .setHeader("Content-Type", "application/json")
            .setBody(Serialization.jsonMapper().writeValueAsString(review));
      } catch (IOException e) {
        return new MockResponse().setResponseCode(400);
      }
    }

    /** The object this write would store, if that is over the limit: its kind and name. */
    private String tooLong(RecordedRequest request, String method, String body) {
      String stored = body;
      if (method.equals("PATCH")) {
        stored = patched(request, body);
        if (stored == null) {
          return null; // not found, or a patch the dispatcher will refuse by itself
        }
      }
      if (stored.getBytes(StandardCharsets.UTF_8).length <= MAX_OBJECT_BYTES) {
        return null;
      }
      try {
        JsonNode object = Serialization.jsonMapper().readTree(stored);
        return object.path("kind").asText("Object") + " \""
            + object.path("metadata").path("name").asText("") + "\"";
      } catch (IOException e) {
        return "Object \"\"";
      }
    }

    /** The object after this patch, or null. */
    private String patched(RecordedRequest request, String body) {
      String path = request.getPath();
      int query = path.indexOf('?');
      String objectPath = query < 0 ? path : path.substring(0, query);
      if (objectPath.endsWith("/status")) {
        objectPath = objectPath.substring(0, objectPath.length() - "/status".length());
      }
      MockResponse current = crud.dispatch(new RecordedRequest("HTTP/1.1",
          io.fabric8.mockwebserver.dsl.HttpMethod.GET, objectPath, new Headers.Builder().build(),
          new io.fabric8.mockwebserver.http.Buffer()));
      if (current.code() != 200) {
        return null;
      }
      try {
        JsonNode object = Serialization.jsonMapper().readTree(
            current.getBody().readUtf8());
        JsonNode patch = Serialization.jsonMapper().readTree(body);
        String type = String.valueOf(request.getHeader("Content-Type"));
        JsonNode result = type.contains("json-patch") ? JsonPatch.apply(patch, object)
            : mergePatch(object, patch);
        return Serialization.jsonMapper().writeValueAsString(result);
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }

    private MockResponse tooLong(String object) {
      String limit = "Too long: must have at most " + MAX_OBJECT_BYTES + " bytes";
      String status = Serialization.asJson(new StatusBuilder().withStatus("Failure")
          .withMessage(object + " is invalid: []: " + limit).withReason("Invalid")
          .withNewDetails().withName(object.substring(object.indexOf('"') + 1,
              object.length() - 1)).withKind(object.substring(0, object.indexOf(' ')))
            .withCauses(new StatusCauseBuilder().withReason("FieldValueTooLong")
                .withMessage(limit).withField("[]").build())
          .endDetails().withCode(422).build());
      return new MockResponse().setResponseCode(422)
          .setHeader("Content-Type", "application/json").setBody(status);
    }
  }

  /** RFC 7386 JSON merge patch (a strategic merge patch is sized the same way). */
  static JsonNode mergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy()
        : Serialization.jsonMapper().createObjectNode();
    Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), mergePatch(result.get(field.getKey()), field.getValue()));
      }
    }
    return result;
  }
}
