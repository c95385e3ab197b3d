package dev.kpf.cli;

import dev.kpf.cli.bench.ConnectLoad;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What one {@link ConnectLoad} client of the connect benchmarks measured: connects per second and latency percentiles. */
record ClientResult(double rate, long p50us, long p99us) {
    /**
     * Runs the client under {@code prefix} (namespace, cgroup) against {@code target}:{@code port} and reads its line
     * ("ok N failed F seconds S p50us A p99us B"); any failed connection fails the benchmark, naming the target.
     */
    static ClientResult run(List<String> prefix, String target, int port, int connections, int warmup, boolean request) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(target, Integer.toString(port), Integer.toString(connections), Integer.toString(warmup)));
        if (request) args.add("request");
        String line = outcome(ConnectBenchCommand.start(prefix, ConnectLoad.class, args), 300);
        String[] f = line.split(" ");
        if (Integer.parseInt(f[3]) > 0) throw new IllegalStateException(f[3] + " connections to " + target + ":" + port + " failed: " + line);
        return new ClientResult(Integer.parseInt(f[1]) / Double.parseDouble(f[5]), Long.parseLong(f[7]), Long.parseLong(f[9]));
    }

    /** A benchmark client's one line ("ok ..."), once it ended within {@code seconds}; anything else fails the benchmark. */
    static String outcome(Process p, int seconds) throws Exception {
        String line;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            line = in.readLine();
        }
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("the client did not finish within " + seconds + " s");
        }
        if (line == null || !line.startsWith("ok ")) throw new IllegalStateException("client: " + line);
        return line;
    }
}
