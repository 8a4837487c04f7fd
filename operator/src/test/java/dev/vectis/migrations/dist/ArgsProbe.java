package dev.vectis.migrations.dist;

/** The main class of {@link KubectlPluginLauncherTest}'s jar: prints its arguments, exits 5. */
public final class ArgsProbe {
  private ArgsProbe() {}

  public static void main(String[] args) {
    System.out.println("args: " + String.join(" ", args) + " (as "
        + System.getenv("SCHEMA_MIGRATION_PROGRAM") + ")");
    System.exit(5);
  }
}
