package dev.kpf.cli;

import dev.kpf.dataplane.source.Kubeconfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/** {@code --kubeconfig} and {@code --context}, resolved as kubectl resolves them ({@link Kubeconfig}). */
final class KubeconfigOptions {
    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Kubeconfig (default as kubectl: $KUBECONFIG, its files merged; else $HOME/.kube/config; else in-cluster).")
    Path file;

    @Option(names = "--context", paramLabel = "NAME", description = "The kubeconfig context to use (default: its current-context).")
    String context;

    Optional<Kubeconfig> resolve() {
        return Kubeconfig.resolve(Optional.ofNullable(file), Optional.ofNullable(context), System.getenv());
    }

    /** The files in use, in the order they merge (what a support bundle copies); empty without a kubeconfig. */
    java.util.List<Path> files() {
        return resolve().map(dev.kpf.dataplane.source.Kubeconfig::files).orElse(java.util.List.of());
    }
}
