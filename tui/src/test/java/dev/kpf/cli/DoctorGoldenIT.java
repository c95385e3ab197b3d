package dev.kpf.cli;

import com.google.gson.JsonObject;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.apiserver.ResourceType;
import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `kpf doctor --json --no-node` against fixture clusters served by the fake API server, compared with golden JSON in
 * testdata/golden/doctor-*.json: healthy, kube-proxy still present, dataplane not ready, the annotation missing,
 * wrong or misspelt, RBAC forbidden, the API down from the start or going down mid-run, and the preflight.
 */
class DoctorGoldenIT {
    @TempDir
    Path dir;

    private record Case(String name, DemoCluster.Variant variant, Consumer<FakeApiServer> setup, int exitCode, String... extra) {}

    private static JsonObject cluster(FakeApiServer s) {
        return s.store().get(ResourceType.CLUSTERS, "cluster-demo", "demo").orElseThrow().deepCopy();
    }

    private static void annotations(FakeApiServer s, Consumer<JsonObject> change) {
        JsonObject c = cluster(s);
        change.accept(c.getAsJsonObject("metadata").getAsJsonObject("annotations"));
        s.store().put(c);
    }

    private static final List<Case> CASES = List.of(
            new Case("healthy", DemoCluster.Variant.KUBE_PROXY_FREE, s -> {}, 0),
            new Case("kube-proxy-present", DemoCluster.Variant.WITH_KUBE_PROXY, s -> {}, 2),
            new Case("dataplane-not-ready", DemoCluster.Variant.KUBE_PROXY_FREE, s -> {
                JsonObject anetd = s.store().get(ResourceType.DAEMONSETS, "kube-system", "anetd").orElseThrow().deepCopy();
                anetd.getAsJsonObject("status").addProperty("numberReady", 1);
                s.store().put(anetd);
            }, 2),
            new Case("annotation-missing", DemoCluster.Variant.KUBE_PROXY_FREE, s -> annotations(s, a -> a.remove(DemoCluster.ANNOTATION)), 2),
            new Case("annotation-wrong-value", DemoCluster.Variant.KUBE_PROXY_FREE, s -> annotations(s, a -> a.addProperty(DemoCluster.ANNOTATION, "true")), 2),
            new Case("annotation-typo", DemoCluster.Variant.KUBE_PROXY_FREE, s -> annotations(s, a -> {
                a.remove(DemoCluster.ANNOTATION);
                a.addProperty("preview.baremetal.cluster.gke.io/kube-proxy-fre", "enable");
            }), 2),
            new Case("rbac-forbidden", DemoCluster.Variant.KUBE_PROXY_FREE, s -> s.faults().forbid("daemonsets"), 1),
            new Case("api-down", DemoCluster.Variant.KUBE_PROXY_FREE, s -> s.faults().down(), 3),
            new Case("api-down-mid-run", DemoCluster.Variant.KUBE_PROXY_FREE, s -> s.faults().downAfter(1), 1),
            new Case("preflight", DemoCluster.Variant.WITH_KUBE_PROXY, s -> {
                JsonObject node = s.store().get(ResourceType.NODES, "", "node-c").orElseThrow().deepCopy();
                JsonObject info = node.getAsJsonObject("status").getAsJsonObject("nodeInfo");
                info.addProperty("osImage", "Ubuntu 20.04.6 LTS");
                info.addProperty("kernelVersion", "5.4.0-187-generic");
                s.store().put(node);
            }, 2, "--preflight"));

    @Test
    void each_fixture_cluster_gives_its_golden_json_and_exit_code() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Case c : CASES) {
            try (FakeApiServer server = FakeApiServer.start(0)) {
                DemoCluster.objects(c.variant()).forEach(server.store()::put);
                Path kubeconfig = server.writeKubeconfig(dir.resolve(c.name() + ".kubeconfig"));
                c.setup().accept(server);
                List<String> args = new ArrayList<>(List.of("doctor", "--no-node", "--json", "--kubeconfig", kubeconfig.toString(), "--node-name", "node-a"));
                args.addAll(List.of(c.extra()));
                long start = System.nanoTime();
                CommandRun run = CommandRun.of(args.toArray(String[]::new));
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis < 20_000, c.name() + " took " + millis + " ms (the doctor's bound is 20 s)");
                if (run.exitCode() != c.exitCode()) failures.add(c.name() + ": exit " + run.exitCode() + ", expected " + c.exitCode() + "\n" + run.out() + run.err());
                String json = run.out().replace("127.0.0.1:" + server.port(), "127.0.0.1:PORT").replace(dir.toString(), "TMP")
                        .replaceAll("\"generatedAt\": \"[^\"]+\"", "\"generatedAt\": \"TIME\"")
                        .replaceAll("\"kpfVersion\": \"[^\"]+\"", "\"kpfVersion\": \"VERSION\"");
                try {
                    Golden.assertMatches("doctor-" + c.name() + ".json", json);
                } catch (AssertionError e) {
                    failures.add(c.name() + ": " + e.getMessage());
                }
            }
        }
        assertEquals(List.of(), failures);
    }
}
