package dev.vectis.migrations.api;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Environment variables the tool owns: the Jobs and local mode set them (or libpq reads them),
 * so {@code spec.podTemplate.env} must not set them and an {@code envFrom} prefix must not be
 * able to create them. The validator rejects them; the Jobs also put their own values last,
 * as a second defence.
 *
 * <p>Not reserved: {@code PYTHONPATH}, {@code PATH} and the like. The tool never sets them, a
 * project may need them (a seed run as {@code python -m} from a src layout), and the image's
 * own code already runs with the image's privileges, so setting them grants nothing new.
 *
 * <p>An {@code envFrom} without a prefix is allowed: the keys of its ConfigMap or Secret are
 * unknown until the pod starts, and in Kubernetes {@code env} wins over {@code envFrom}.
 */
public final class ReservedEnvironment {
  /** Exact names, with why the operator owns each (the value of spec.database.urlEnv too). */
  public static final Map<String, String> NAMES = Map.of(
      // Reserved whatever urlEnv says, so a spec cannot hand env.py a second database URL.
      "DATABASE_URL", "the database comes from spec.database",
      // The Jobs' root file system is read-only; local runs must not litter the project.
      "PYTHONDONTWRITEBYTECODE", "so that Python writes no bytecode next to the scripts",
      // The Jobs' only writable directory is /tmp.
      "HOME", "the Jobs' home is their only writable directory, /tmp");

  /** Name prefixes, with why. */
  public static final Map<String, String> PREFIXES = Map.of(
      // libpq reads every PG* variable (PGHOST, PGPASSWORD, PGOPTIONS, PGSERVICE, PGPASSFILE,
      // PGHOSTADDR, ...), any of which can redirect or reconfigure the connection; PG_DUMP and
      // PG_RESTORE name the backup programs. The whole prefix: libpq adds variables over time.
      "PG", "libpq's settings come from spec.database",
      // BACKUP_DIR, BACKUP_LABEL, BACKUP_RETAIN: where and how the backup Job writes dumps.
      "BACKUP_", "the backup's settings come from spec.backup");

  private ReservedEnvironment() {}

  /**
   * Why {@code name} may not be set in a spec, or empty when it may.
   *
   * @param urlEnv spec.database.urlEnv (null: the default, DATABASE_URL)
   */
  public static Optional<String> reason(String name, String urlEnv) {
    if (name == null) {
      return Optional.empty();
    }
    if (name.equals(urlEnv)) {
      return Optional.of(NAMES.get("DATABASE_URL"));
    }
    if (NAMES.containsKey(name)) {
      return Optional.of(NAMES.get(name));
    }
    return PREFIXES.entrySet().stream().filter(p -> name.startsWith(p.getKey()))
        .map(Map.Entry::getValue).findFirst();
  }

  /**
   * Why {@code urlEnv} cannot be the variable that carries the URL, or empty when it can: a
   * reserved variable, or one the interpreter or the loader reads (PATH, PYTHON*, LD_*), which
   * the URL would overwrite.
   */
  public static Optional<String> reasonForUrl(String urlEnv) {
    Optional<String> reserved = reason(urlEnv, null);
    if (reserved.isPresent()) {
      return reserved;
    }
    if (urlEnv.equals("PATH") || urlEnv.startsWith("PYTHON") || urlEnv.startsWith("LD_")) {
      return Optional.of("the interpreter and the loader read it");
    }
    return Optional.empty();
  }

  /**
   * The reserved name or prefix that an {@code envFrom} prefix could create (prefix + some key),
   * or empty. "P" could create PGHOST (key "GHOST"), "PG_" could create PG_DUMP.
   */
  public static Optional<String> reachableBy(String envFromPrefix, String urlEnv) {
    if (envFromPrefix == null || envFromPrefix.isEmpty()) {
      return Optional.empty();
    }
    for (String reserved : PREFIXES.keySet()) {
      if (envFromPrefix.startsWith(reserved) || reserved.startsWith(envFromPrefix)) {
        return Optional.of(reserved + "*");
      }
    }
    for (String name : names(urlEnv)) {
      if (name.startsWith(envFromPrefix) && name.length() > envFromPrefix.length()) {
        return Optional.of(name);
      }
    }
    return Optional.empty();
  }

  private static Iterable<String> names(String urlEnv) {
    Set<String> names = new TreeSet<>(NAMES.keySet());
    if (urlEnv != null) {
      names.add(urlEnv);
    }
    return names;
  }
}
