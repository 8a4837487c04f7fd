package dev.vectis.migrations.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.vectis.migrations.testing.ProjectPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The Helm chart, linted and rendered by Helm itself (helm-java, in the JVM, offline). */
class HelmChartTest {
  private static final Path CHART = ProjectPaths.root().resolve("helm/schema-migration-operator");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static List<JsonNode> render(UnaryOperator<TemplateCommand> options) throws IOException {
    String manifests = options.apply(new Helm(CHART).template().withName("smo")
        .withNamespace("schema-migration-system").withKubeVersion("1.30.0")).call();
    List<JsonNode> documents = new ArrayList<>();
    try (YAMLParser parser = new YAMLFactory().createParser(manifests)) {
      for (JsonNode document : YAML.readValues(parser, JsonNode.class).readAll()) {
        if (document != null && document.has("kind")) {
          documents.add(document);
        }
      }
    }
    return documents;
  }

  private static JsonNode only(List<JsonNode> documents, String kind) {
    List<JsonNode> matching = documents.stream()
        .filter(d -> d.path("kind").asText().equals(kind)).toList();
    assertThat(matching).as(kind).hasSize(1);
    return matching.get(0);
  }

  private static List<JsonNode> all(List<JsonNode> documents, String kind) {
    return documents.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
  }

  @Test
  void theChartLints() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void defaultsRenderARestrictedOperatorWithProbesAndTheProjectVersion() throws IOException {
    List<JsonNode> documents = render(t -> t);
    JsonNode deployment = only(documents, "Deployment");
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    JsonNode container = pod.path("containers").get(0);
    assertThat(container.path("image").asText()).isEqualTo(
        "ghcr.io/vectis/schema-migration-operator:" + System.getProperty("project.version"));
    assertThat(deployment.path("spec").path("replicas").asInt()).isEqualTo(1);
    assertThat(container.path("args").toString()).doesNotContain("--leader-election");
    assertThat(container.path("livenessProbe").path("httpGet").path("path").asText())
        .isEqualTo("/healthz");
    assertThat(container.path("readinessProbe").path("httpGet").path("path").asText())
        .isEqualTo("/readyz");
    assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.path("securityContext").path("seccompProfile").path("type").asText())
        .isEqualTo("RuntimeDefault");
    JsonNode security = container.path("securityContext");
    assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(security.path("capabilities").path("drop").toString()).isEqualTo("[\"ALL\"]");
    assertThat(container.path("env").toString()).contains("JAVA_TOOL_OPTIONS",
        "-XX:MaxRAMPercentage=75");
    assertThat(only(documents, "Service").path("spec").path("ports").get(0).path("port")
        .asInt()).isEqualTo(8080);
    assertThat(all(documents, "ServiceMonitor")).isEmpty();
    assertThat(only(documents, "ClusterRole")).isNotNull();
    assertThat(all(documents, "Role")).isEmpty();
  }

  @Test
  void theChartCarriesTheSameCrdAndTheSameRulesAsTheRepository() throws IOException {
    assertThat(Files.readString(CHART.resolve("crds/schemamigrations.migrations.vectis.dev-v1.yml")))
        .as("helm/…/crds/ must be a copy of crds/")
        .isEqualTo(Files.readString(ProjectPaths.crd()));
    JsonNode chartRules = only(render(t -> t), "ClusterRole").path("rules");
    JsonNode repositoryRules = null;
    try (YAMLParser parser = new YAMLFactory().createParser(
        ProjectPaths.root().resolve("deploy/rbac.yaml").toFile())) {
      for (JsonNode document : YAML.readValues(parser, JsonNode.class).readAll()) {
        if ("ClusterRole".equals(document.path("kind").asText())) {
          repositoryRules = document.path("rules");
        }
      }
    }
    List<JsonNode> withoutLeases = new ArrayList<>();
    repositoryRules.forEach(rule -> {
      if (!rule.path("resources").toString().contains("leases")) {
        withoutLeases.add(rule);
      }
    });
    assertThat(chartRules.toString()).isEqualTo(YAML.valueToTree(withoutLeases).toString());
  }

  @Test
  void replicasTurnOnLeaderElectionWithALeaseRole() throws IOException {
    List<JsonNode> documents = render(t -> t.set("replicas", 2));
    JsonNode container = only(documents, "Deployment").path("spec").path("template")
        .path("spec").path("containers").get(0);
    assertThat(container.path("args").toString()).contains("--leader-election");
    assertThat(all(documents, "Role")).singleElement().satisfies(role ->
        assertThat(role.path("rules").toString()).contains("leases"));
  }

  @Test
  void watchedNamespacesGetRolesInsteadOfAClusterRole() throws IOException {
    List<JsonNode> documents = render(t -> t.set("watchNamespaces[0]", "shop")
        .set("watchNamespaces[1]", "billing"));
    assertThat(all(documents, "ClusterRole")).isEmpty();
    assertThat(all(documents, "Role")).extracting(r -> r.path("metadata").path("namespace")
        .asText()).containsExactlyInAnyOrder("shop", "billing");
    assertThat(all(documents, "RoleBinding")).hasSize(2);
    assertThat(only(documents, "Deployment").toString())
        .contains("\"name\":\"WATCH_NAMESPACES\",\"value\":\"shop,billing\"");
  }

  @Test
  void everyDocumentedOptionRenders() throws IOException {
    List<JsonNode> documents = render(t -> t.set("image.tag", "1.2.3")
        .set("image.pullPolicy", "Always").set("port", 9090).set("logLevel", "DEBUG")
        .set("metrics.serviceMonitor.enabled", true).set("metrics.service.enabled", false)
        .set("serviceAccount.create", false).set("serviceAccount.name", "existing")
        .set("rbac.create", false).set("nodeSelector.pool", "ops")
        .set("podAnnotations.team", "platform").set("jvmOptions", "-Xmx300m")
        .set("resources.limits.memory", "1Gi").set("imagePullSecrets[0].name", "regcred")
        .set("tolerations[0].key", "dedicated").set("tolerations[0].operator", "Exists")
        .set("affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
            + ".nodeSelectorTerms[0].matchExpressions[0].key", "zone")
        .set("affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
            + ".nodeSelectorTerms[0].matchExpressions[0].operator", "Exists")
        .set("metrics.serviceMonitor.interval", "15s")
        .set("metrics.serviceMonitor.labels.release", "prometheus"));
    JsonNode deployment = only(documents, "Deployment");
    assertThat(deployment.toString()).contains(":1.2.3\"", "\"Always\"", "--health-port=9090",
        "\"DEBUG\"", "\"pool\":\"ops\"", "\"team\":\"platform\"",
        "\"serviceAccountName\":\"existing\"", "-Xmx300m", "\"memory\":\"1Gi\"",
        "\"regcred\"", "\"dedicated\"", "\"key\":\"zone\"");
    JsonNode serviceMonitor = only(documents, "ServiceMonitor");
    assertThat(serviceMonitor.path("metadata").path("labels").path("release").asText())
        .isEqualTo("prometheus");
    assertThat(serviceMonitor.path("spec").path("endpoints").get(0).path("interval").asText())
        .isEqualTo("15s");
    assertThat(only(documents, "ServiceMonitor").path("spec").path("endpoints").get(0)
        .path("path").asText()).isEqualTo("/metrics");
    assertThat(all(documents, "Service")).isEmpty();
    assertThat(all(documents, "ServiceAccount")).isEmpty();
    assertThat(all(documents, "ClusterRole")).isEmpty();
  }

  @Test
  void appAccessLetsAnApplicationsServiceAccountReadSchemaMigrations() throws IOException {
    List<JsonNode> documents = render(t -> t.set("appAccess[0].namespace", "shop")
        .set("appAccess[0].serviceAccount", "vectis-backend")
        .set("appAccess[1].namespace", "billing").set("appAccess[1].serviceAccount", "ledger")
        .set("appAccess[1].readGraphCache", false));
    List<JsonNode> roles = all(documents, "Role");
    assertThat(roles).extracting(r -> r.path("metadata").path("name").asText() + "@"
        + r.path("metadata").path("namespace").asText()).containsExactlyInAnyOrder(
        "smo-schema-migration-operator-reader-vectis-backend@shop",
        "smo-schema-migration-operator-reader-ledger@billing");
    JsonNode shop = roles.stream().filter(r -> r.path("metadata").path("namespace").asText()
        .equals("shop")).findFirst().orElseThrow();
    assertThat(shop.path("rules").toString()).isEqualTo("[{\"apiGroups\":[\"migrations.vectis"
        + ".dev\"],\"resources\":[\"schemamigrations\"],\"verbs\":[\"get\",\"list\",\"watch\"]},"
        + "{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\"],\"verbs\":[\"get\"]}]");
    JsonNode billing = roles.stream().filter(r -> r.path("metadata").path("namespace").asText()
        .equals("billing")).findFirst().orElseThrow();
    assertThat(billing.path("rules").toString()).as("readGraphCache: false")
        .doesNotContain("configmaps");
    assertThat(all(documents, "RoleBinding")).anySatisfy(binding -> {
      assertThat(binding.path("metadata").path("namespace").asText()).isEqualTo("shop");
      assertThat(binding.path("roleRef").path("name").asText())
          .isEqualTo("smo-schema-migration-operator-reader-vectis-backend");
      assertThat(binding.path("subjects").toString()).isEqualTo("[{\"kind\":\"ServiceAccount\","
          + "\"name\":\"vectis-backend\",\"namespace\":\"shop\"}]");
    });
    assertThat(only(documents, "ClusterRole").path("metadata").path("name").asText())
        .as("the operator's own RBAC is unchanged").isEqualTo("smo-schema-migration-operator");
  }

  @Test
  void badValuesAreRejectedByTheSchema() {
    assertThatThrownBy(() -> render(t -> t.set("appAccess[0].namespace", "shop")))
        .hasMessageContaining("serviceAccount");
    assertThatThrownBy(() -> render(t -> t.set("appAccess[0].namespace", "Shop")
        .set("appAccess[0].serviceAccount", "app"))).hasMessageContaining("appAccess");
    assertThatThrownBy(() -> render(t -> t.set("replicas", 0)))
        .hasMessageContaining("replicas");
    assertThatThrownBy(() -> render(t -> t.set("watchNamespaces[0]", "Not_A_Namespace")))
        .hasMessageContaining("watchNamespaces");
    assertThatThrownBy(() -> render(t -> t.set("logLevel", "LOUD")))
        .hasMessageContaining("logLevel");
    assertThatThrownBy(() -> render(t -> t.set("imageTag", "1.0")))
        .hasMessageContaining("imageTag");
  }
}
