package dev.vectis.migrations.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The Java twin of every CEL rule ({@code x-kubernetes-validations}) in the CRD, keyed by the
 * rule's text, so the tool checks them where no API server does without shipping a CEL
 * interpreter. A test evaluates each rule with cel-java and its twin on the same values, and
 * fails when the CRD gains a rule without a twin.
 */
final class CelTwins {
  /** Rule text -> the same condition on {@code self}, a JSON object whose nulls were pruned. */
  static final Map<String, Predicate<JsonNode>> BY_RULE = Map.of(
      "has(self.secretRef) != has(self.cnpgCluster)",
      self -> self.has("secretRef") != self.has("cnpgCluster"));

  private CelTwins() {}
}
