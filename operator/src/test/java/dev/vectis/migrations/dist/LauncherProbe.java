package dev.vectis.migrations.dist;

/** The main class of the small jar {@link LauncherTest} starts: prints a line, exits as told. */
public final class LauncherProbe {
  private LauncherProbe() {}

  public static void main(String[] args) {
    System.out.println("{\"ok\": true}");
    System.exit(args.length > 1 ? Integer.parseInt(args[1]) : 0);
  }
}
