package dev.vectis.migrations.cli;

import dev.vectis.migrations.policy.Finding;
import dev.vectis.migrations.policy.Rule;
import dev.vectis.migrations.policy.Severities;
import dev.vectis.migrations.policy.Severity;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How {@code lint} and {@code rehearse} print what they checked and found. */
final class FindingsOutput {
  static final String SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

  private FindingsOutput() {}

  /** The report, on stdout, in the chosen format; the exit code: 1 when a finding blocks. */
  static int print(OutputFormat output, String command, List<String> checked,
      List<Finding> findings, Severities severities) {
    PrintStream out = System.out;
    switch (output) {
      case text -> printText(out, command, checked, findings);
      case sarif -> output.printDocument(out, sarif(findings, severities, null));
      default -> output.printDocument(out, new Report(checked, findings));
    }
    return findings.stream().anyMatch(Finding::blocks) ? 1 : 0;
  }

  /** {@code -o json|yaml}: both lists always present, even when empty. */
  record Report(
      @com.fasterxml.jackson.annotation.JsonInclude(
          com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS) List<String> checked,
      @com.fasterxml.jackson.annotation.JsonInclude(
          com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS) List<Finding> findings) {}

  private static void printText(PrintStream out, String command, List<String> checked,
      List<Finding> findings) {
    int deny = 0;
    int warn = 0;
    int waived = 0;
    for (Finding finding : findings) {
      StringBuilder line = new StringBuilder(finding.location()).append(": ")
          .append(finding.waived() != null ? "waived" : finding.severity()).append(' ')
          .append(finding.rule()).append(": ")
          .append(finding.message().replaceAll("\\s*\\R\\s*", " "));
      if (finding.revision() != null && finding.file() != null) {
        line.append(" [").append(finding.revision()).append(']');
      }
      if (finding.waived() != null) {
        line.append(" (waived: ").append(finding.waived()).append(')');
        waived++;
      } else if (finding.blocks()) {
        deny++;
      } else {
        warn++;
      }
      out.println(line);
    }
    out.println(command + ": " + checked.size() + (checked.size() == 1 ? " revision" : " revisions")
        + " checked: " + deny + " deny, " + warn + " warn, " + waived + " waived");
  }

  /**
   * SARIF 2.1.0: one run, every rule in the driver with its severity, each finding a result
   * (a waived one with an in-source suppression and its reason).
   *
   * @param failure when the command could not check anything: why (the run then says it did
   *     not execute successfully, and has no results)
   */
  static Map<String, Object> sarif(List<Finding> findings, Severities severities,
      String failure) {
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Rule rule : Rule.values()) {
      Map<String, Object> descriptor = new LinkedHashMap<>();
      descriptor.put("id", rule.id());
      descriptor.put("shortDescription", Map.of("text", rule.description()));
      descriptor.put("defaultConfiguration", Map.of("level", level(severities.of(rule)),
          "enabled", severities.of(rule) != Severity.OFF));
      rules.add(descriptor);
    }
    Map<String, Object> driver = new LinkedHashMap<>();
    driver.put("name", "schema-migration");
    driver.put("version", VersionCommand.version());
    driver.put("rules", rules);
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("tool", Map.of("driver", driver));
    Map<String, Object> invocation = new LinkedHashMap<>();
    invocation.put("executionSuccessful", failure == null);
    if (failure != null) {
      invocation.put("toolExecutionNotifications", List.of(Map.of("level", "error",
          "message", Map.of("text", failure))));
    }
    run.put("invocations", List.of(invocation));
    List<Map<String, Object>> results = new ArrayList<>();
    for (Finding finding : findings) {
      results.add(result(finding));
    }
    run.put("results", results);
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("$schema", SARIF_SCHEMA);
    document.put("version", "2.1.0");
    document.put("runs", List.of(run));
    return document;
  }

  private static Map<String, Object> result(Finding finding) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("ruleId", finding.rule());
    result.put("ruleIndex", Rule.byId(finding.rule()).ordinal());
    result.put("level", level(Severity.parse(finding.severity())));
    result.put("message", Map.of("text", finding.message()
        + (finding.revision() == null ? "" : " (revision " + finding.revision() + ")")));
    if (finding.file() != null) {
      Map<String, Object> physical = new LinkedHashMap<>();
      physical.put("artifactLocation", Map.of("uri", uri(finding.file()), "uriBaseId",
          "%SRCROOT%"));
      if (finding.line() != null) {
        physical.put("region", Map.of("startLine", finding.line()));
      }
      result.put("locations", List.of(Map.of("physicalLocation", physical)));
    }
    if (finding.waived() != null) {
      result.put("suppressions", List.of(Map.of("kind", "inSource", "justification",
          finding.waived())));
    }
    return result;
  }

  /** A relative path as a URI reference: spaces and non-ASCII characters percent-encoded. */
  static String uri(String path) {
    try {
      return new java.net.URI(null, null, path, null).toASCIIString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("not a path: " + path, e);
    }
  }

  private static String level(Severity severity) {
    return switch (severity) {
      case DENY -> "error";
      case WARN -> "warning";
      case OFF -> "none";
    };
  }
}
