package dev.kpf.cli;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.dataplane.source.KubeSource;
import dev.kpf.testdata.demo.DemoCluster;
import io.kubernetes.client.openapi.ApiClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The {@code --source} option: {@code kube} (the API server), {@code dir:PATH} (YAML/JSON files) or {@code demo}. */
record SourceSpec(String kind, Path path) {
    static SourceSpec parse(String text) {
        if (text.equals("kube")) return new SourceSpec("kube", null);
        if (text.equals("demo")) return new SourceSpec("demo", null);
        if (text.startsWith("dir:") && text.length() > 4) return new SourceSpec("dir", Path.of(text.substring(4)));
        throw new IllegalArgumentException("--source " + text + ": use kube, demo or dir:PATH");
    }

    /**
     * The API's intent for {@code node}: the cluster read once through {@code kubeconfig} (null: the default
     * places) within {@code timeout}, translated. A read that fails throws with its message (the doctor and the TUI
     * show it instead of the comparison).
     */
    static java.util.function.Supplier<dev.kpf.dataplane.lb.LbTable> apiIntent(String node, Path kubeconfig, java.util.function.Supplier<Duration> timeout) {
        return () -> {
            try {
                return new dev.kpf.dataplane.lb.ServiceTranslator(node).translate(new SourceSpec("kube", null).readOnce(kubeconfig, timeout.get()));
            } catch (SourceException e) {
                throw new IllegalStateException(e.getMessage());
            }
        };
    }

    /** Reads the source once: a directory or the demo at once, the API after its informers' first sync. */
    ClusterState readOnce(Path kubeconfig, Duration timeout) throws SourceException {
        return switch (kind) {
            case "dir" -> {
                if (!Files.exists(path)) throw new SourceException(path + " does not exist");
                yield DirectoryLoader.load(path);
            }
            case "demo" -> {
                List<SourceDocument> docs = new ArrayList<>();
                for (JsonObject o : DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE)) docs.add(new SourceDocument(o, "demo"));
                yield DirectoryLoader.decode(docs, new ArrayList<>());
            }
            default -> readApi(kubeconfig, timeout);
        };
    }

    private static ClusterState readApi(Path kubeconfig, Duration timeout) throws SourceException {
        ApiClient client;
        String where;
        try {
            Path config = kubeconfigPath(kubeconfig);
            if (config != null && !Files.isReadable(config)) {
                throw new SourceException("kubeconfig " + config + " does not exist or is unreadable (pass --kubeconfig FILE or set KUBECONFIG)");
            }
            if (config != null) {
                client = KubeClients.fromKubeconfig(config);
                where = config.toString();
            } else {
                client = KubeClients.inCluster();
                where = "in-cluster service account";
            }
        } catch (IOException | RuntimeException e) {
            throw new SourceException("cannot build a Kubernetes client: " + e.getMessage()
                    + " (pass --kubeconfig FILE, set KUBECONFIG, or run in a pod with a service account)");
        }
        CompletableFuture<ClusterState> first = new CompletableFuture<>();
        try (KubeSource source = new KubeSource(client, where, Duration.ofMillis(10), Duration.ofMinutes(5), Clock.systemUTC())) {
            source.start(first::complete);
            try {
                return first.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new SourceException("no complete read of the API server (" + client.getBasePath() + ", " + where + ") within "
                        + timeout.toSeconds() + " s" + source.status().lastError().map(err -> ": " + err).orElse(""));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SourceException("interrupted");
            } catch (ExecutionException e) {
                throw new SourceException(e.getCause().getMessage());
            }
        }
    }

    /** --kubeconfig, else $KUBECONFIG (first entry), else ~/.kube/config when it exists, else null (in-cluster). */
    static Path kubeconfigPath(Path explicit) {
        if (explicit != null) return explicit;
        String env = System.getenv("KUBECONFIG");
        if (env != null && !env.isBlank()) return Path.of(env.split(":")[0]);
        Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
        return Files.exists(home) ? home : null;
    }

    /** The source could not be read; the message says why and what to do. */
    static final class SourceException extends Exception {
        SourceException(String message) {
            super(message, null, false, false);
        }
    }
}
