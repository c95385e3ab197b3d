package dev.kpf.cli;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.demo.DemoChurn;
import dev.kpf.testdata.demo.DemoCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code kpf demo apiserver}: serves the demo cluster (or the objects in a directory) through the fake Kubernetes
 * API server on 127.0.0.1, writes a kubeconfig for it and serves until stopped, so kubectl and kpf can use it.
 */
@Command(name = "apiserver", description = {"Run a local fake Kubernetes API server with the demo cluster (or --dir objects).",
        "Point kubectl or kpf at it with the kubeconfig it writes."},
        exitCodeListHeading = "Exit codes:%n", exitCodeList = {"0:stopped", "2:could not start", "64:usage error"})
final class DemoApiServerCommand implements Callable<Integer> {
    @Option(paramLabel = "PORT", names = "--port", defaultValue = "0", description = "Port on 127.0.0.1 (default: a free one).")
    int port;

    @Option(names = "--dir", paramLabel = "DIR", description = "Serve the objects in DIR (YAML/JSON) instead of the demo cluster.")
    Path dir;

    @Option(names = "--kubeconfig-out", paramLabel = "FILE", defaultValue = "kpf-demo.kubeconfig",
            description = "Where to write the kubeconfig (default: ${DEFAULT-VALUE}).")
    Path kubeconfigOut;

    @Option(names = "--with-kube-proxy", description = "Serve the variant of the demo that still runs kube-proxy.")
    boolean withKubeProxy;

    @Option(names = "--churn", paramLabel = "SECONDS", defaultValue = "2",
            description = "Change one EndpointSlice every SECONDS (0: never; default ${DEFAULT-VALUE}).")
    double churnSeconds;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
            description = "Stop after SECONDS (0: run until Ctrl-C or SIGTERM).")
    long durationSeconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<JsonObject> objects = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        String what;
        if (dir != null) {
            if (!Files.exists(dir)) {
                err.println("kpf demo apiserver: " + dir + " does not exist");
                return ExitCodes.COULD_NOT_RUN;
            }
            for (SourceDocument d : DirectoryLoader.documents(dir, problems)) objects.add(d.object());
            what = "objects from " + dir;
        } else {
            objects.addAll(DemoCluster.objects(withKubeProxy ? DemoCluster.Variant.WITH_KUBE_PROXY : DemoCluster.Variant.KUBE_PROXY_FREE));
            what = withKubeProxy ? "the demo cluster (with kube-proxy)" : "the demo cluster";
        }
        try (StopSignal stop = new StopSignal()) {
            return serve(objects, problems, what, stop, out, err);
        }
    }

    private int serve(List<JsonObject> objects, List<Problem> problems, String what, StopSignal stop,
                      PrintWriter out, PrintWriter err) throws Exception {
        try (FakeApiServer server = FakeApiServer.start(port)) {
            int served = 0;
            for (JsonObject o : objects) {
                try {
                    server.store().put(o);
                    served++;
                } catch (IllegalArgumentException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
                    problems.add(new Problem("", "", e.getMessage() + ": not served"));
                }
            }
            problems.forEach(p -> err.println("warning: " + p));
            Path kubeconfig = server.writeKubeconfig(kubeconfigOut.toAbsolutePath());
            out.printf("fake Kubernetes API server on %s serving %d objects (%s)%n", server.url(), served, what);
            out.printf("kubeconfig: %s%n", kubeconfig);
            out.printf("try: kubectl --kubeconfig %s get daemonsets --all-namespaces%n", kubeconfig);
            out.printf("     kpf services --source kube --kubeconfig %s%n", kubeconfig);
            out.flush();
            try (DemoChurn churn = churnSeconds > 0 && dir == null
                    ? DemoChurn.start(server.store(), Duration.ofMillis((long) (churnSeconds * 1000)), 42) : null) {
                stop.await(durationSeconds);
            }
        }
        out.println("stopped");
        out.flush();
        return ExitCodes.OK;
    }
}
