package dev.kpf.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code kpf bench churn}: correctness and programming latency under endpoint churn in the running kernel
 * ({@link ChurnBench}). Exit 0 when nothing was misrouted, failed, broke affinity or stayed unprogrammed; 1 otherwise.
 */
@Command(name = "churn", description = "Random Service and endpoint churn through a real agent: every connection checked against its Service's backends.")
final class ChurnBenchCommand implements Callable<Integer> {
    @Option(paramLabel = "N", names = "--steps", defaultValue = "200", description = "Changes made (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(paramLabel = "N", names = "--seed", defaultValue = "1", description = "Seed of the change sequence; the same seed replays the same changes (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(paramLabel = "N", names = "--kill-at", defaultValue = "-1", description = "Step at which the agent is killed with SIGKILL and started again (default: half way).")
    int killAt;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || steps > 100_000) throw new CommandLine.ParameterException(spec.commandLine(), "--steps: 1 to 100000");
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        int kill = killAt < 0 ? Math.max(1, steps / 2) : killAt;
        ChurnBench.Report r = new ChurnBench(seed, steps, kill, err).run();
        if (json) {
            JsonObject doc = new JsonObject();
            doc.addProperty("schema", "kpf.bench/v1");
            doc.addProperty("benchmark", "churn");
            doc.addProperty("seed", r.seed());
            doc.addProperty("steps", r.steps());
            doc.addProperty("services", r.services());
            doc.addProperty("connections", r.connections());
            doc.addProperty("misrouted", r.misrouted());
            doc.addProperty("failed_with_backends", r.failed());
            doc.addProperty("refused_without_backends", r.refused());
            doc.addProperty("affinity_broken", r.affinityBroken());
            doc.addProperty("not_programmed", r.notProgrammed());
            doc.addProperty("programming_p50_ms", r.p50ms());
            doc.addProperty("programming_p99_ms", r.p99ms());
            doc.addProperty("programming_max_ms", r.maxMs());
            doc.addProperty("restart_programmed_ms", r.restartMs());
            JsonArray problems = new JsonArray();
            r.problems().forEach(problems::add);
            doc.add("problems", problems);
            out.println(new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(doc));
        } else {
            out.printf("churn: seed %d, %d steps, %d services at the end, agent killed (SIGKILL) and restarted at step %d%n", r.seed(), r.steps(), r.services(), kill);
            out.printf("connections %d: misrouted %d, failed while the Service had backends %d, refused without backends %d, affinity broken %d%n",
                    r.connections(), r.misrouted(), r.failed(), r.refused(), r.affinityBroken());
            out.printf("change to programmed (maps read back equal the intent): p50 %.1f ms, p99 %.1f ms, max %.1f ms; after the restart %.0f ms; not programmed %d%n",
                    r.p50ms(), r.p99ms(), r.maxMs(), r.restartMs(), r.notProgrammed());
            r.problems().forEach(p -> out.println("  " + p));
        }
        out.flush();
        return r.clean() ? 0 : 1;
    }
}
