package dev.vectis.migrations.cli;

/** A command cannot go on; the message is for the user as it is, with the exit code. */
final class CommandFailure extends Exception {
  private final int exitCode;

  CommandFailure(String message, int exitCode) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
