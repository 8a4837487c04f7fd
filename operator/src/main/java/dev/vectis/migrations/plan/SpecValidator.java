package dev.vectis.migrations.plan;

import dev.vectis.migrations.api.ApiPatterns;
import dev.vectis.migrations.api.SchemaMigrationSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The checks the CRD's schema makes, made again where no API server made them (local mode,
 * a test API server, an old CRD): each error names the field path and what is wrong.
 */
public final class SpecValidator {
  private static final Pattern TARGET = Pattern.compile(ApiPatterns.TARGET_REVISION);
  private static final Pattern IDENTIFIER = Pattern.compile(ApiPatterns.SQL_IDENTIFIER);
  private static final Pattern DNS = Pattern.compile(ApiPatterns.DNS1123_SUBDOMAIN);
  private static final Pattern ENV = Pattern.compile(ApiPatterns.ENV_VAR_NAME);
  private static final Pattern IMAGE = Pattern.compile(ApiPatterns.IMAGE);

  private SpecValidator() {}

  /**
   * The problems of a spec, empty when it is valid.
   *
   * @param requireDatabase false where the database comes from elsewhere (local mode's
   *     {@code --database-url})
   */
  public static List<String> problems(SchemaMigrationSpec spec, boolean requireDatabase) {
    List<String> problems = new ArrayList<>();
    if (spec == null) {
      problems.add("spec: is required");
      return problems;
    }
    if (spec.image == null || spec.image.isBlank()) {
      problems.add("spec.image: is required");
    } else if (!IMAGE.matcher(spec.image).matches()) {
      problems.add("spec.image: must not contain whitespace");
    }
    String target = spec.targetRevision == null ? "head" : spec.targetRevision;
    if (target.length() > 255 || !TARGET.matcher(target).matches()) {
      problems.add("spec.targetRevision: \"" + shorten(target) + "\" is not an Alembic target "
          + "(head, heads, base, <id or prefix>, <label>@head, +N, -N, <id>+N, <label>@-N)");
    }
    if (spec.alembic != null) {
      if (spec.alembic.command == null || spec.alembic.command.isEmpty()) {
        problems.add("spec.alembic.command: must name the alembic executable");
      }
      identifier(problems, "spec.alembic.versionTable", spec.alembic.versionTable, false);
      identifier(problems, "spec.alembic.versionTableSchema", spec.alembic.versionTableSchema,
          true);
    }
    if (spec.database == null) {
      if (requireDatabase) {
        problems.add("spec.database: is required");
      }
    } else {
      boolean secret = spec.database.secretRef != null;
      boolean cnpg = spec.database.cnpgCluster != null;
      if (requireDatabase && secret == cnpg) {
        problems.add("spec.database: exactly one of secretRef and cnpgCluster must be set");
      }
      if (secret && (spec.database.secretRef.name == null
          || !DNS.matcher(spec.database.secretRef.name).matches())) {
        problems.add("spec.database.secretRef.name: must be a DNS-1123 name");
      }
      if (cnpg && !DNS.matcher(spec.database.cnpgCluster).matches()) {
        problems.add("spec.database.cnpgCluster: must be a DNS-1123 name");
      }
      if (spec.database.urlEnv != null && !ENV.matcher(spec.database.urlEnv).matches()) {
        problems.add("spec.database.urlEnv: must be an environment variable name");
      }
    }
    if (spec.backup != null) {
      if (spec.backup.retain != null && (spec.backup.retain < 1 || spec.backup.retain > 1000)) {
        problems.add("spec.backup.retain: must be >= 1 and <= 1000");
      }
      if (spec.backup.persistentVolumeClaim != null
          && !DNS.matcher(spec.backup.persistentVolumeClaim).matches()) {
        problems.add("spec.backup.persistentVolumeClaim: must be a DNS-1123 name");
      }
    }
    if (spec.jobDeadlineSeconds != null
        && (spec.jobDeadlineSeconds < 60 || spec.jobDeadlineSeconds > 604800)) {
      problems.add("spec.jobDeadlineSeconds: must be >= 60 and <= 604800");
    }
    if (spec.seed != null && spec.seed.when == null) {
      problems.add("spec.seed.when: must be AfterUpgrade, Always or Never");
    }
    return problems;
  }

  private static void identifier(List<String> problems, String field, String value,
      boolean optional) {
    if (value == null ? !optional : !IDENTIFIER.matcher(value).matches()) {
      problems.add(field + ": must match " + ApiPatterns.SQL_IDENTIFIER);
    }
  }

  private static String shorten(String value) {
    String oneLine = value.replace("\n", "\\n");
    return oneLine.length() > 60 ? oneLine.substring(0, 60) + "…" : oneLine;
  }
}
