package dev.kpf.cli;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.scale.ScaleCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kpf bench memory}: the resident memory of a real agent process (BPF datapath on a throwaway cgroup and
 * pin directory) that has synced N services x M endpoints from the fake API server through its informers.
 */
@Command(name = "memory", description = "Resident memory of an agent process after syncing N services x M endpoints.")
final class MemoryBenchCommand implements Callable<Integer> {
    @Option(names = "--services", defaultValue = "10000", description = "Services (default ${DEFAULT-VALUE}).")
    int services;

    @Option(names = "--endpoints", defaultValue = "10", description = "Endpoints per service (default ${DEFAULT-VALUE}).")
    int endpoints;

    @Option(names = "--heap", defaultValue = "128m", description = "The agent's -Xmx, as the DaemonSet sets it (default ${DEFAULT-VALUE}).")
    String heap;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (services < 1 || services > 100_000 || endpoints < 0 || endpoints > 100 || !heap.matches("\\d+[mg]")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "sizes out of range");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long pid = ProcessHandle.current().pid();
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-bench-memory-" + pid));
        Path dir = Files.createTempDirectory("kpf-bench-memory");
        Process agent = null;
        try (FakeApiServer server = FakeApiServer.start(0); TemporaryCgroup cgroup = TemporaryCgroup.create("kpf-bench-memory-" + pid)) {
            err.printf("serving %d services x %d endpoints from the fake API server%n", services, endpoints);
            err.flush();
            for (JsonObject o : ScaleCluster.generate(services, endpoints, 0.2, 1).objects()) server.store().put(o);
            Path kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
            List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx" + heap, "-XX:ReservedCodeCacheSize=32m", "-Xss512k", "-jar",
                    new File(MemoryBenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath(),
                    "agent", "--source", "kube", "--kubeconfig", kubeconfig.toString(), "--node-name", "node-a",
                    "--bpffs", pins.root().toString(), "--cgroup", cgroup.path().toString(), "--listen", "127.0.0.1:0", "--devices", "none"));
            agent = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            BufferedReader in = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
            String line = in.readLine();
            Matcher m = Pattern.compile("serving http://([0-9.]+):(\\d+)/").matcher(line == null ? "" : line);
            if (!m.find()) throw new IllegalStateException("the agent did not start: " + line);
            URI ready = URI.create("http://" + m.group(1) + ":" + m.group(2) + "/readyz");
            HttpClient http = HttpClient.newHttpClient();
            long t0 = System.nanoTime();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline && agent.isAlive()) {
                Thread.sleep(200);
                try {
                    status = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (java.io.IOException notYet) {
                    status = 0;
                }
            }
            if (status != 200) throw new IllegalStateException("the agent was not ready within 120 s (too small a heap?)");
            double seconds = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(2000); // let the first syncs' garbage be collected as it would be in steady state
            long rss = 0;
            for (String l : Files.readAllLines(Path.of("/proc/" + agent.pid() + "/status"))) {
                if (l.startsWith("VmRSS:")) rss = Long.parseLong(l.replaceAll("\\D", "")) / 1024;
            }
            out.printf("kpf bench memory: agent with -Xmx%s -XX:ReservedCodeCacheSize=32m -Xss512k, %d services x %d endpoints from the API (informer caches included)%n", heap, services, endpoints);
            out.printf("ready after %.1f s; resident memory %d MB (target < 256 MB): %s%n", seconds, rss, rss < 256 ? "met" : "MISSED");
        } finally {
            if (agent != null) {
                agent.destroy();
                agent.waitFor(30, TimeUnit.SECONDS);
                agent.destroyForcibly();
            }
            BpfDatapath.cleanup(pins);
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
