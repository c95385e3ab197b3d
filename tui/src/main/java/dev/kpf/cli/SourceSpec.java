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
    static java.util.function.Supplier<dev.kpf.dataplane.lb.LbTable> apiIntent(String node, java.util.Optional<dev.kpf.dataplane.source.Kubeconfig> kubeconfig,
                                                                              java.util.function.Supplier<Duration> timeout) {
        return () -> {
            try {
                return new dev.kpf.dataplane.lb.ServiceTranslator(node).translate(new SourceSpec("kube", null).readOnce(kubeconfig, timeout.get()));
            } catch (SourceException e) {
                throw new IllegalStateException(e.getMessage());
            }
        };
    }

    /** Reads the source once: a directory or the demo at once, the API after its informers' first sync. */
    ClusterState readOnce(java.util.Optional<dev.kpf.dataplane.source.Kubeconfig> kubeconfig, Duration timeout) throws SourceException {
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

    /**
     * One complete read of the API server. The first error of the informers ends it at once (a one-shot read does not
     * retry: an unreachable server fails within the connect timeout, as kubectl does), with kubectl's wording.
     */
    private static ClusterState readApi(java.util.Optional<dev.kpf.dataplane.source.Kubeconfig> kubeconfig, Duration timeout) throws SourceException {
        ApiClient client;
        String where;
        try {
            if (kubeconfig.isPresent()) {
                for (Path f : kubeconfig.get().files()) {
                    if (!Files.isReadable(f)) throw new SourceException("kubeconfig " + f + " does not exist or is unreadable (pass --kubeconfig FILE or set KUBECONFIG)");
                }
                client = kubeconfig.get().client();
                where = "kubeconfig " + kubeconfig.get().describe();
            } else {
                client = KubeClients.inCluster();
                where = "in-cluster service account";
            }
        } catch (IOException | RuntimeException e) {
            String fix = String.valueOf(e.getMessage()).contains("--kubeconfig") ? ""
                    : " (pass --kubeconfig FILE or --context NAME, set KUBECONFIG, or run in a pod with a service account)";
            throw new SourceException("cannot build a Kubernetes client: " + e.getMessage() + fix);
        }
        CompletableFuture<ClusterState> first = new CompletableFuture<>();
        try (KubeSource source = new KubeSource(client, where, Duration.ofMillis(10), Duration.ofMinutes(5), Clock.systemUTC()).withoutErrorLogs()) {
            source.start(first::complete);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!first.isDone()) {
                java.util.Optional<String> error = source.status().lastError();
                if (error.isPresent()) throw new SourceException(unreadable(client.getBasePath(), where, error.get()));
                if (System.nanoTime() > deadline) {
                    throw new SourceException("no complete read of the API server (" + client.getBasePath() + ", " + where + ") within " + timeout.toSeconds() + " s");
                }
                Thread.sleep(20);
            }
            return first.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException("interrupted");
        } catch (ExecutionException e) {
            throw new SourceException(e.getCause().getMessage());
        }
    }

    /** kubectl's words for a refused connection, else the error as the informer reported it. */
    static String unreadable(String server, String where, String error) {
        String hostPort = server.replaceFirst("^[a-z]+://", "").replaceFirst("/.*$", "");
        if (error.contains("ConnectException") || error.contains("Connection refused") || error.contains("Failed to connect")) {
            return "The connection to the server " + hostPort + " was refused - did you specify the right host or port? (" + where + ")";
        }
        int silent = error.indexOf("no answer within ");
        if (silent >= 0) return "Unable to connect to the server " + hostPort + ": " + error.substring(silent) + " (" + where + ")";
        return "cannot read the API server at " + server + " (" + where + "): " + error;
    }

    /** The source could not be read; the message says why and what to do. */
    static final class SourceException extends Exception {
        SourceException(String message) {
            super(message, null, false, false);
        }
    }
}
