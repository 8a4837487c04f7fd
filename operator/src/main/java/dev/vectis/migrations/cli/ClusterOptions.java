package dev.vectis.migrations.cli;

import dev.vectis.migrations.api.SchemaMigration;
import dev.vectis.migrations.cluster.ClusterResources;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** How the cluster commands reach the API server and which namespace they mean (kubectl's). */
final class ClusterOptions {
  /** Exit code of a refusal, a Stalled resource, an unreachable API server. */
  static final int EXIT_FAILED = 1;
  /** Exit code of {@code wait} at its --timeout. */
  static final int EXIT_TIMEOUT = 3;
  /** Exit code when the API server refuses the credentials or RBAC forbids the read. */
  static final int EXIT_DENIED = 4;

  /** A Kubernetes object name (DNS-1123 subdomain) or namespace (label). */
  private static final Pattern NAME = Pattern.compile(
      "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
      description = "The namespace (default: the kubeconfig context's, in a pod the pod's, "
          + "else default).")
  String namespace;

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "The kubeconfig (default: KUBECONFIG, ~/.kube/config, else the pod's "
          + "ServiceAccount).")
  Path kubeconfig;

  @Option(names = "--context", paramLabel = "NAME", description = "The kubeconfig context "
      + "(default: the current one).")
  String context;

  /** A resource named on the command line. */
  record Target(String namespace, String name) {
    @Override
    public String toString() {
      return namespace + "/" + name;
    }
  }

  ClusterResources connect() throws CommandFailure {
    if (kubeconfig != null && !Files.isRegularFile(kubeconfig)) {
      throw new CommandFailure("--kubeconfig " + kubeconfig + ": no such file", Main.EXIT_USAGE);
    }
    if (namespace != null && !NAMESPACE.matcher(namespace).matches()) {
      throw new CommandFailure("--namespace " + namespace + ": not a namespace name "
          + "(lower-case letters, digits and '-')", Main.EXIT_USAGE);
    }
    try {
      return ClusterResources.connect(kubeconfig, context);
    } catch (IOException | KubernetesClientException e) {
      throw new CommandFailure("cannot read the kubeconfig" + (kubeconfig == null ? ""
          : " " + kubeconfig) + ": " + e.getMessage(), Main.EXIT_USAGE);
    } catch (RuntimeException e) {
      // The YAML parser's message quotes the file around the mistake, where a token may be:
      // only where it is.
      Matcher where = Pattern.compile("line (\\d+), column (\\d+)")
          .matcher(String.valueOf(e.getMessage()));
      throw new CommandFailure("cannot read the kubeconfig" + (kubeconfig == null ? ""
          : " " + kubeconfig) + ": not a valid kubeconfig" + (where.find() ? " (line "
          + where.group(1) + ", column " + where.group(2) + ")" : ""), Main.EXIT_USAGE);
    }
  }

  /** The namespace meant: -n, else the kubeconfig's. */
  String namespace(ClusterResources cluster) {
    return namespace != null ? namespace : cluster.defaultNamespace();
  }

  /**
   * {@code NAMESPACE/NAME}, or {@code NAME} in -n's namespace; {@code what} names the argument
   * in a message.
   */
  Target target(String argument, String what, ClusterResources cluster) throws CommandFailure {
    String targetNamespace = namespace(cluster);
    String name = argument;
    int slash = argument.indexOf('/');
    if (slash >= 0) {
      targetNamespace = argument.substring(0, slash);
      name = argument.substring(slash + 1);
      if (namespace != null && !namespace.equals(targetNamespace)) {
        throw new CommandFailure(what + " " + argument + ": the namespace differs from "
            + "--namespace " + namespace, Main.EXIT_USAGE);
      }
      if (!NAMESPACE.matcher(targetNamespace).matches()) {
        throw new CommandFailure(what + " " + argument + ": " + targetNamespace + " is not a "
            + "namespace name", Main.EXIT_USAGE);
      }
    }
    if (name.length() > 253 || !NAME.matcher(name).matches()) {
      throw new CommandFailure(what + " " + argument + ": " + (name.isEmpty() ? "no name"
          : name + " is not a resource name (lower-case letters, digits, '-' and '.')"),
          Main.EXIT_USAGE);
    }
    return new Target(targetNamespace, name);
  }

  /** The SchemaMigration {@code argument} names; "not found" is a failure (exit 1). */
  SchemaMigration existing(Target target, ClusterResources cluster) throws CommandFailure {
    SchemaMigration resource = cluster.get(target.namespace(), target.name());
    if (resource == null) {
      throw new CommandFailure(target + ": not found", EXIT_FAILED);
    }
    return resource;
  }

  /**
   * The one SchemaMigration {@code argument} names, or else those of the namespace (of every
   * namespace with {@code -A}, which takes neither a name nor a namespace).
   */
  List<SchemaMigration> selected(String argument, boolean allNamespaces,
      ClusterResources cluster) throws CommandFailure {
    if (allNamespaces && (argument != null || namespace != null)) {
      throw new CommandFailure("-A: lists every namespace; give no NAME and no --namespace",
          Main.EXIT_USAGE);
    }
    if (argument != null) {
      return List.of(existing(target(argument, "NAME", cluster), cluster));
    }
    return cluster.list(allNamespaces ? null : namespace(cluster));
  }

  /** A URL's password, were one ever in a message, stays out of the terminal. */
  static String masked(String text) {
    return text == null ? "" : text.replaceAll("(://[^:/@\\s]+:)[^@\\s]+@", "$1***@");
  }

  /**
   * How a cluster command answers a failure: one line on stderr naming the command, and with
   * -o json|yaml an error document on stdout. Exit 2 for bad input, 4 when access is denied,
   * else 1.
   */
  static int failed(String command, Exception error, ClusterResources cluster,
      OutputFormat output) {
    String message;
    int exitCode;
    if (error instanceof CommandFailure failure) {
      message = failure.getMessage();
      exitCode = failure.exitCode();
    } else if (error instanceof KubernetesClientException client && cluster != null) {
      var problem = cluster.problem(client, "read SchemaMigrations");
      message = problem.line();
      exitCode = problem.kind() == ClusterResources.Problem.Kind.DENIED ? EXIT_DENIED
          : EXIT_FAILED;
    } else if (error instanceof RuntimeException bug) {
      throw bug; // not a user's mistake: the trace is for us
    } else {
      message = error.getMessage() != null ? error.getMessage() : error.toString();
      exitCode = EXIT_FAILED;
    }
    message = masked(message);
    System.err.println(command + ": " + message);
    LocalOptions.printErrorDocument(command, message, exitCode, output);
    return exitCode;
  }

  /** "kubectl smig status" inside the plugin's group, else the command's own name. */
  static String commandName(picocli.CommandLine.Model.CommandSpec spec) {
    var parent = spec.parent();
    return parent != null && parent.name().equals(SmigCommand.NAME)
        ? "kubectl smig " + spec.name() : spec.name();
  }
}
