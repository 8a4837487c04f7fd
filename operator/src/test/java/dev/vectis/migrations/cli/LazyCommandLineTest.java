package dev.vectis.migrations.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Main builds only the subcommand a command line names (a faster start): each reads, helps and
 * fails as it does in the whole tree.
 */
class LazyCommandLineTest {
  @Test
  void eachSubcommandAloneIsTheOneOfTheWholeTree() {
    Map<String, CommandLine> whole = new CommandLine(new Main()).getSubcommands();
    assertThat(whole).isNotEmpty();
    for (Map.Entry<String, CommandLine> entry : whole.entrySet()) {
      CommandLine root = Main.commandLine(entry.getKey());
      CommandLine alone = root.getSubcommands().get(entry.getKey());
      assertThat(alone).as(entry.getKey()).isNotNull();
      assertThat(alone.getCommandSpec().qualifiedName()).isEqualTo(
          entry.getValue().getCommandSpec().qualifiedName());
      assertThat(alone.getUsageMessage(CommandLine.Help.Ansi.OFF)).isEqualTo(
          entry.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF));
    }
  }

  @Test
  void anythingElseGetsTheWholeTree() {
    int all = new CommandLine(new Main()).getSubcommands().size();
    assertThat(Main.commandLine(null).getSubcommands()).hasSize(all);
    assertThat(Main.commandLine("--help").getSubcommands()).hasSize(all);
    assertThat(Main.commandLine("nosuchcommand").getSubcommands()).hasSize(all);
  }

  @Test
  void aMistakeUnderASubcommandIsStillExitTwo() {
    assertThat(CapturedRun.of("", "current", "--no-such-option").exitCode()).isEqualTo(2);
    assertThat(CapturedRun.of("", "nosuchcommand").exitCode()).isEqualTo(2);
  }

  /** A bug's one line never carries a password a URL in its message held. */
  @Test
  void anUnexpectedErrorIsOneLineWithoutTheUrlsPassword() {
    String line = Main.unexpectedLine("current", new IllegalStateException(
        "cannot use postgresql://app:S3cr%40t-pw@db:5432/shop?sslmode=require"));
    assertThat(line).isEqualTo("current: unexpected error: java.lang.IllegalStateException: "
        + "cannot use postgresql://app:***@db:5432/shop?sslmode=require (run again with --debug "
        + "for the stack trace)").doesNotContain("S3cr").hasLineCount(1);
  }
}
