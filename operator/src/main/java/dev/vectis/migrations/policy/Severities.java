package dev.vectis.migrations.policy;

import java.util.EnumMap;
import java.util.Map;

/** Each rule's severity: its default, unless the spec or a flag says otherwise. */
public final class Severities {
  private final Map<Rule, Severity> chosen;

  private Severities(Map<Rule, Severity> chosen) {
    this.chosen = chosen;
  }

  public static Severities defaults() {
    return new Severities(new EnumMap<>(Rule.class));
  }

  /**
   * The defaults with {@code spec.policy.rules} over them.
   *
   * @throws IllegalArgumentException naming spec.policy.rules when a rule is unknown
   */
  public static Severities of(dev.vectis.migrations.api.PolicySpec policy) {
    Map<String, String> rules = new java.util.LinkedHashMap<>();
    if (policy != null && policy.rules != null) {
      policy.rules.forEach((id, severity) ->
          rules.put(id, severity == null ? null : severity.name()));
    }
    return defaults().with(rules, "spec.policy.rules");
  }

  public Severity of(Rule rule) {
    return chosen.getOrDefault(rule, rule.defaultSeverity());
  }

  /**
   * These severities with {@code overrides} (rule id → deny|warn|off) on top.
   *
   * @param field how the user wrote the map, for messages: {@code spec.policy.rules} or
   *     {@code --rule}
   * @throws IllegalArgumentException naming the field, the rule and what is wrong
   */
  public Severities with(Map<String, String> overrides, String field) {
    Map<Rule, Severity> merged = new EnumMap<>(Rule.class);
    merged.putAll(chosen);
    if (overrides != null) {
      overrides.forEach((id, value) -> {
        Rule rule = Rule.byId(id);
        if (rule == null) {
          throw new IllegalArgumentException(field + ": unknown rule \"" + id + "\" (rules: "
              + Rule.ids() + ")");
        }
        Severity severity = Severity.parse(value);
        if (severity == null) {
          throw new IllegalArgumentException(field + ": " + id + " must be deny, warn or off, "
              + "not \"" + value + "\"");
        }
        merged.put(rule, severity);
      });
    }
    return new Severities(merged);
  }
}
