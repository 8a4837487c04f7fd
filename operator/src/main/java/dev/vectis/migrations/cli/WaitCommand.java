package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.cluster.ClusterResources;
import dev.vectis.migrations.cluster.Readiness;
import dev.vectis.migrations.cluster.Tables;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "wait", mixinStandardHelpOptions = true,
    description = {"Waits until a SchemaMigration is Ready for its current generation (with "
        + "--image: until the database has that image's migrations), e.g. in an application's "
        + "init container. Keeps waiting, with one line per change, while it is reconciling, "
        + "awaiting approval, not created yet or the API server is briefly unreachable.",
        "Exit 0: Ready; 1: Stalled (the reason on one line); 2: bad input; 3: --timeout "
            + "passed (with the last reason); 4: access denied (the RBAC the ServiceAccount "
            + "needs)."})
final class WaitCommand implements Callable<Integer> {
  @Mixin ClusterOptions cluster;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "[NAMESPACE/]NAME",
      description = "The SchemaMigration (or --name).")
  String argument;

  @Option(names = "--name", paramLabel = "NAME", description = "The SchemaMigration.")
  String name;

  @Option(names = "--image", paramLabel = "IMAGE",
      description = "The application's image: also wait until status.appliedImage or "
          + "spec.image is IMAGE, or the database's rows include IMAGE's heads (from the "
          + "operator's cached revision graph of IMAGE).")
  String image;

  @Option(names = "--timeout", defaultValue = "10m", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long to wait: 90s, 10m, 1h30m (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--poll-interval", defaultValue = "2s", paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How often to read the resource (default: ${DEFAULT-VALUE}).")
  Duration pollInterval;

  @Override
  public Integer call() {
    String command = ClusterOptions.commandName(spec);
    ClusterResources resources = null;
    try {
      if ((argument == null) == (name == null)) {
        throw new CommandFailure("give the SchemaMigration as NAME, NAMESPACE/NAME or --name "
            + "(exactly one)", Main.EXIT_USAGE);
      }
      if (image != null && (image.isBlank() || image.chars().anyMatch(Character::isWhitespace))) {
        throw new CommandFailure("--image '" + image + "': not an image reference",
            Main.EXIT_USAGE);
      }
      if (pollInterval.isZero()) {
        throw new CommandFailure("--poll-interval: must be more than 0", Main.EXIT_USAGE);
      }
      resources = cluster.connect();
      ClusterOptions.Target target = cluster.target(argument != null ? argument : name,
          argument != null ? "[NAMESPACE/]NAME" : "--name", resources);
      return waitFor(command, resources, target);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.err.println(command + ": interrupted");
      return 130;
    } catch (Exception e) {
      return ClusterOptions.failed(command, e, resources, OutputFormat.text);
    } finally {
      if (resources != null) {
        resources.close();
      }
    }
  }

  private int waitFor(String command, ClusterResources resources, ClusterOptions.Target target)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String lastReason = null;
    String lastLine = "nothing read yet";
    while (true) {
      Readiness.Verdict verdict;
      try {
        SchemaMigration resource = resources.get(target.namespace(), target.name());
        verdict = Readiness.of(resource, image, wanted -> resources.graph(resource, wanted));
      } catch (KubernetesClientException e) {
        ClusterResources.Problem problem = resources.problem(e, "read " + target);
        if (problem.kind() == ClusterResources.Problem.Kind.DENIED) {
          System.err.println(command + ": " + problem.line());
          return ClusterOptions.EXIT_DENIED;
        }
        verdict = new Readiness.Verdict(Readiness.State.WAITING, "Unreachable", problem.line());
      }
      String line = verdict.reason() + (verdict.message() == null || verdict.message().isBlank()
          ? "" : ": " + ClusterOptions.masked(Tables.oneLine(verdict.message())));
      switch (verdict.state()) {
        case READY -> {
          System.out.println(command + ": " + target + " is Ready: "
              + ClusterOptions.masked(Tables.oneLine(verdict.message())));
          return 0;
        }
        case STALLED -> {
          System.err.println(command + ": " + target + " is Stalled: " + line);
          return ClusterOptions.EXIT_FAILED;
        }
        default -> {
          // One line per change of reason: an init container's log stays readable.
          if (!verdict.reason().equals(lastReason)) {
            System.out.println(command + ": " + target + ": " + line);
            lastReason = verdict.reason();
          }
          lastLine = line;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        System.err.println(command + ": timed out after " + DurationConverter.format(timeout)
            + " waiting for " + target + " (last: " + lastLine + ")");
        return ClusterOptions.EXIT_TIMEOUT;
      }
      Thread.sleep(Math.max(1, Math.min(pollInterval.toMillis(), left / 1_000_000)));
    }
  }

  /** Go-style durations, as kubectl's --timeout: 30s, 10m, 1h30m, 500ms; 0 is allowed. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");

    @Override
    public Duration convert(String value) {
      if (value.equals("0")) {
        return Duration.ZERO;
      }
      Matcher matcher = PART.matcher(value);
      Duration total = Duration.ZERO;
      int end = 0;
      while (matcher.find() && matcher.start() == end) {
        long amount = Long.parseLong(matcher.group(1));
        total = total.plus(switch (matcher.group(2)) {
          case "h" -> Duration.ofHours(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "s" -> Duration.ofSeconds(amount);
          default -> Duration.ofMillis(amount);
        });
        end = matcher.end();
      }
      if (end == 0 || end != value.length()) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a duration "
            + "(e.g. 90s, 10m, 1h30m)");
      }
      try {
        total.toNanos(); // how the wait counts it
      } catch (ArithmeticException tooLong) {
        throw new CommandLine.TypeConversionException("'" + value + "' is too long a duration");
      }
      return total;
    }

    /** As given: 10m, 1h30m, 500ms. */
    static String format(Duration duration) {
      if (duration.toMillisPart() != 0) {
        return duration.toMillis() + "ms";
      }
      String text = (duration.toHours() > 0 ? duration.toHours() + "h" : "")
          + (duration.toMinutesPart() > 0 ? duration.toMinutesPart() + "m" : "")
          + (duration.toSecondsPart() > 0 ? duration.toSecondsPart() + "s" : "");
      return text.isEmpty() ? "0s" : text;
    }
  }
}
