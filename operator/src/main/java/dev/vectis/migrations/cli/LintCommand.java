package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.local.InspectionCache;
import dev.vectis.migrations.policy.Linter;
import dev.vectis.migrations.policy.RevisionChanges;
import dev.vectis.migrations.policy.Severities;
import dev.vectis.migrations.revision.AlembicCommands;
import dev.vectis.migrations.revision.AlembicError;
import dev.vectis.migrations.revision.InspectionScript;
import dev.vectis.migrations.revision.MigrationPlan;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "lint", mixinStandardHelpOptions = true,
    description = {"Checks the project's revisions against the migration conventions: each "
        + "revision's upgrade() and downgrade() run in Alembic's offline mode with every "
        + "operation recorded; needs no database.",
        "Exit 0: no deny finding; 1: a deny finding; 2: bad input or a project Alembic cannot "
            + "load."})
final class LintCommand implements Callable<Integer> {
  @Mixin LocalOptions local;

  @Option(names = "--from", paramLabel = "REV",
      description = "Check only the revisions an upgrade from REV would run (default: base).")
  String from;

  @Option(names = "--to", paramLabel = "REV",
      description = "The last revision to check, as an upgrade target (default: heads).")
  String to;

  @Option(names = "--rule", paramLabel = "RULE=SEVERITY",
      description = "A rule's severity (deny, warn or off), over the defaults and "
          + "spec.policy.rules; repeatable.")
  Map<String, String> rules = new LinkedHashMap<>();

  @Override
  public Integer call() {
    local.printsFindings = true;
    try {
      SchemaMigration resource = local.resource();
      Severities severities = severities(resource, rules);
      Checked checked = revisions(local, resource, from, to);
      Linter.Report report = new Linter(severities, checked.filePrefix())
          .lint(checked.result().graph(), checked.changes(), checked.revisions());
      return FindingsOutput.print(local.output, "lint", report.checked(), report.findings(),
          severities);
    } catch (Exception e) {
      return LocalOptions.failed("lint", e, local.output);
    }
  }

  /** The severities: defaults, then spec.policy.rules, then the --rule flags. */
  static Severities severities(SchemaMigration resource, Map<String, String> flags)
      throws CommandFailure {
    try {
      return Severities.of(resource.getSpec().policy).with(flags, "--rule");
    } catch (IllegalArgumentException e) {
      throw new CommandFailure(e.getMessage(), Main.EXIT_USAGE);
    }
  }

  /** The project's inspection and the revisions to check, base first. */
  record Checked(InspectionScript.Result result, Map<String, RevisionChanges> changes,
      List<String> revisions, String filePrefix) {}

  static Checked revisions(LocalOptions local, SchemaMigration resource, String from, String to)
      throws CommandFailure {
    // Never from the graph cache: what a revision does can depend on code outside the
    // versions directory (helpers, models), which the cache's key does not cover.
    ProjectRevisions.Inspected inspected = ProjectRevisions.inspect(local, resource,
        Main.EXIT_USAGE, new InspectionCache(null));
    InspectionScript.Result result = inspected.result();
    Path alembicDir = inspected.alembicDir();
    List<String> revisions;
    try {
      MigrationPlan plan = AlembicCommands.upgrade(result.graph(),
          from == null ? List.of() : List.of(from), to == null ? "heads" : to);
      revisions = plan.steps().stream().map(MigrationPlan.Step::revision).toList();
    } catch (AlembicError e) {
      throw new CommandFailure((from == null ? "--to " + to : "--from " + from
          + (to == null ? "" : " --to " + to)) + ": " + e.getMessage(), Main.EXIT_USAGE);
    }
    Path relative = local.projectDir.toAbsolutePath().normalize()
        .relativize(alembicDir.toAbsolutePath().normalize());
    String prefix = relative.toString().isEmpty() ? ""
        : relative.toString().replace('\\', '/') + "/";
    Map<String, RevisionChanges> changes;
    try {
      changes = RevisionChanges.parse(result.changes());
    } catch (IllegalArgumentException e) {
      throw new CommandFailure("the inspection's operations cannot be read: " + e.getMessage(),
          1);
    }
    return new Checked(result, changes, revisions, prefix);
  }
}
