package dev.kpf.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `kpf doctor` as a support engineer runs it: text grouped by area, JSON kpf.doctor/v1, exit codes, --only/--skip. */
class DoctorCommandTest {
    @Test
    void a_cluster_with_kube_proxy_exits_2_and_json_names_the_failure(@TempDir Path dir) throws Exception {
        try (FakeApiServer server = FakeApiServer.start(0)) {
            DemoCluster.objects(DemoCluster.Variant.WITH_KUBE_PROXY).forEach(server.store()::put);
            Path kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
            CommandRun run = CommandRun.of("doctor", "--no-node", "--kubeconfig", kubeconfig.toString(), "--json");
            assertEquals(2, run.exitCode(), run.err());
            JsonObject doc = JsonParser.parseString(run.out()).getAsJsonObject();
            assertEquals("kpf.doctor/v1", doc.get("schema").getAsString());
            assertEquals(2, doc.get("exitCode").getAsInt());
            JsonObject kubeProxy = doc.getAsJsonArray("checks").asList().stream().map(e -> e.getAsJsonObject())
                    .filter(c -> c.get("id").getAsString().equals("daemonsets.kube-proxy-absent")).findFirst().orElseThrow();
            assertEquals("fail", kubeProxy.get("status").getAsString());

            CommandRun text = CommandRun.of("doctor", "--no-node", "--kubeconfig", kubeconfig.toString(), "--skip", "daemonsets.kube-proxy-absent");
            assertEquals(0, text.exitCode(), text.out());
            assertTrue(text.out().startsWith("CLUSTER\n"), text.out());
        }
    }

    @Test
    void a_cluster_config_file_with_a_wrong_value_is_a_failure_with_the_fix(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("cluster.yaml"), """
                apiVersion: baremetal.cluster.gke.io/v1
                kind: Cluster
                metadata:
                  name: prod
                  namespace: cluster-prod
                  annotations:
                    preview.baremetal.cluster.gke.io/kube-proxy-free: "Enable"
                """);
        CommandRun run = CommandRun.of("doctor", "--no-node", "--kubeconfig", dir.resolve("none").toString(), "--cluster-config", config.toString(),
                "--only", "cluster.annotation");
        assertEquals(2, run.exitCode(), run.out());
        assertTrue(run.out().contains("fix: the value must be exactly \"enable\" (not \"Enable\")"), run.out());
        assertEquals(List.of("CLUSTER", "  fail     cluster.annotation             Cluster cluster-prod/prod (cluster.yaml:1) has preview.baremetal.cluster.gke.io/kube-proxy-free: \"Enable\""),
                run.out().lines().limit(2).toList());
    }

    @Test
    void fixing_leftovers_refuses_without_yes() {
        CommandRun run = CommandRun.of("doctor", "--fix-leftovers");
        assertEquals(64, run.exitCode());
        assertTrue(run.err().contains("add --yes to do it"), run.err());
    }

    @Test
    void without_an_api_server_the_cluster_checks_say_why() {
        CommandRun run = CommandRun.of("doctor", "--no-node", "--kubeconfig", "/nonexistent/kubeconfig");
        assertEquals(3, run.exitCode(), run.out());
        assertTrue(run.out().contains("could not check: kubeconfig /nonexistent/kubeconfig does not exist or is unreadable"), run.out());
    }
}
