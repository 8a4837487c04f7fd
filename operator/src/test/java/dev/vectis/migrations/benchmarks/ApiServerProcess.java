package dev.vectis.migrations.benchmarks;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.LoggerFactory;

/**
 * A test API server in its own JVM, for {@link OperatorBenchmark}: fabric8's mock server in CRUD
 * mode over plain HTTP, quiet, counting the requests it serves.
 *
 * <p>Protocol on stdin/stdout, one line each: it prints {@code URL http://127.0.0.1:<port>}
 * once it listens; to {@code counts} it answers {@code COUNTS <json>}, to {@code reset} it
 * answers {@code RESET} (and zeroes the counts); {@code quit} or the end of stdin stops it.
 * The same over HTTP on the server's port, for another process: {@code GET
 * /__benchmark/counts} (the JSON) and {@code POST /__benchmark/reset}; those are not counted.
 *
 * <p>Counts are keyed {@code "<client> <VERB> <resource>"}: client {@code benchmark} for
 * requests whose User-Agent starts with {@value #BENCHMARK_AGENT} (the harness's own
 * measurements), {@code operator} for all others; VERB is GET (one object), LIST, WATCH, POST,
 * PUT, PATCH or DELETE; resource is the plural, with a subresource after a slash
 * ({@code schemamigrations/status}). The JSON also holds, per key, the server's own time spent
 * in handling ({@code nanos}), to show whether the server is the bottleneck.
 */
public final class ApiServerProcess {
  /** User-Agent prefix of the benchmark's own client. */
  public static final String BENCHMARK_AGENT = "vectis-benchmark";

  /** {@code -Dbenchmark.apiserver.trace=true}: every request on stderr. */
  private static final boolean TRACE = Boolean.getBoolean("benchmark.apiserver.trace");
  private static final Map<String, LongAdder> COUNTS = new ConcurrentHashMap<>();
  private static final Map<String, LongAdder> NANOS = new ConcurrentHashMap<>();

  public static void main(String[] args) throws Exception {
    quietLogging();
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
        new HashMap<>(), new CountingDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    System.out.println("URL http://127.0.0.1:" + server.getPort());
    System.out.flush();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        switch (line.strip()) {
          case "counts" -> System.out.println("COUNTS " + countsJson());
          case "reset" -> {
            resetCounts();
            System.out.println("RESET");
          }
          case "quit" -> {
            System.out.println("BYE");
            System.out.flush();
            server.destroy();
            System.exit(0);
          }
          default -> System.out.println("ERROR unknown command " + line);
        }
        System.out.flush();
      }
    }
    server.destroy();
    System.exit(0);
  }

  private static String countsJson() {
    Map<String, Object> out = new TreeMap<>();
    out.put("counts", snapshot(COUNTS));
    out.put("nanos", snapshot(NANOS));
    return Serialization.asJson(out);
  }

  private static void resetCounts() {
    COUNTS.clear();
    NANOS.clear();
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> counters) {
    Map<String, Long> copy = new TreeMap<>();
    counters.forEach((key, value) -> copy.put(key, value.sum()));
    return copy;
  }

  /** The mock logs every request at INFO (java.util.logging); Vert.x and fabric8 use SLF4J. */
  private static void quietLogging() {
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    root.setLevel(java.util.logging.Level.WARNING);
    for (var handler : root.getHandlers()) {
      handler.setLevel(java.util.logging.Level.WARNING);
    }
    java.util.logging.Logger.getLogger("io.fabric8").setLevel(java.util.logging.Level.WARNING);
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
    }
  }

  /** {@code "<VERB> <resource>"} of a request. */
  static String classify(String method, String pathAndQuery) {
    int question = pathAndQuery.indexOf('?');
    String path = question < 0 ? pathAndQuery : pathAndQuery.substring(0, question);
    String query = question < 0 ? "" : pathAndQuery.substring(question + 1);
    String[] parts = path.replaceAll("^/+|/+$", "").split("/");
    int start;
    if (parts.length > 0 && parts[0].equals("api")) {
      start = 2;
    } else if (parts.length > 0 && parts[0].equals("apis")) {
      start = 3;
    } else {
      return method + " " + path; // /version and the like
    }
    if (parts.length <= start) {
      return method + " discovery";
    }
    int kind = start;
    if (parts[start].equals("namespaces") && parts.length >= start + 3) {
      kind = start + 2;
    }
    String resource = parts[kind];
    boolean named = parts.length > kind + 1;
    if (parts.length > kind + 2) {
      resource = resource + "/" + parts[kind + 2];
    }
    String verb = method;
    if (method.equals("GET")) {
      boolean watch = false;
      for (String parameter : query.split("&")) {
        if (parameter.equals("watch=true") || parameter.equals("watch=1")) {
          watch = true;
        }
      }
      verb = watch ? "WATCH" : named ? "GET" : "LIST";
    }
    return verb + " " + resource;
  }

  /**
   * Events the operator records, kept apart from the CRUD store: the mock scans every stored
   * object on each request (an Event POST cost 20 ms at 10,000 SchemaMigrations with their
   * Events stored, 203 of the 263 s the server spent until all were Ready), which a real API
   * server does not. Nothing in the benchmark reads Events back; they are counted, and kept.
   */
  private static final java.util.Queue<String> EVENTS =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private static final java.util.concurrent.atomic.AtomicLong EVENT_VERSIONS =
      new java.util.concurrent.atomic.AtomicLong();

  static boolean isEventCreation(RecordedRequest request) {
    return request.getMethod().equals("POST")
        && request.getPath().matches("/api/v1/namespaces/[^/]+/events(\\?.*)?");
  }

  static MockResponse acceptEvent(RecordedRequest request) {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    try {
      var event = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(
          request.getBody().readUtf8());
      var metadata = event.with("metadata");
      metadata.put("uid", java.util.UUID.randomUUID().toString());
      metadata.put("resourceVersion", Long.toString(EVENT_VERSIONS.incrementAndGet()));
      metadata.put("creationTimestamp", java.time.Instant.now().toString());
      String stored = json.writeValueAsString(event);
      EVENTS.add(stored);
      return new MockResponse().setResponseCode(201).setBody(stored);
    } catch (java.io.IOException | ClassCastException e) {
      return new MockResponse().setResponseCode(400).setBody("{\"kind\":\"Status\","
          + "\"code\":400,\"message\":\"not an Event\"}");
    }
  }

  private static final class CountingDispatcher extends KubernetesCrudDispatcher {
    @Override
    public MockResponse dispatch(RecordedRequest request) {
      if (request.getPath().startsWith("/__benchmark/")) {
        if (request.getPath().startsWith("/__benchmark/reset")) {
          resetCounts();
          return new MockResponse().setResponseCode(200).setBody("{}");
        }
        return new MockResponse().setResponseCode(200).setBody(countsJson());
      }
      long start = System.nanoTime();
      String agent = request.getHeader("User-Agent");
      String key = (agent != null && agent.startsWith(BENCHMARK_AGENT) ? "benchmark "
          : "operator ") + classify(request.getMethod(), request.getPath());
      try {
        MockResponse response = isEventCreation(request) ? acceptEvent(request)
            : super.dispatch(request);
        if (TRACE) {
          System.err.println("api: " + key + " " + request.getPath() + " -> " + response.code()
              + " " + (response.getBody() == null ? "" : response.getBody().size() + " bytes"));
        }
        return response;
      } finally {
        COUNTS.computeIfAbsent(key, k -> new LongAdder()).increment();
        NANOS.computeIfAbsent(key, k -> new LongAdder()).add(System.nanoTime() - start);
      }
    }
  }
}
