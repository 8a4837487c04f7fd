package dev.vectis.migrations.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Prints the operator's version.")
final class VersionCommand implements Runnable {
  static String version() {
    String version = Main.class.getPackage().getImplementationVersion();
    return version == null ? "development" : version;
  }

  @Override
  public void run() {
    System.out.println("schema-migration-operator " + version());
  }

  static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"schema-migration-operator " + version()};
    }
  }
}
