package dev.kpf.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `kpf services` over a directory source: the table, its JSON form and its problems. */
class ServicesCommandTest {
    private static String cluster(String rule) {
        return "dir:" + Path.of(System.getProperty("kpf.repoRoot", ".."), "testdata", "clusters", rule).toAbsolutePath().normalize();
    }

    @Test
    void table_of_a_traffic_policy_local_cluster() throws Exception {
        CommandRun run = CommandRun.of("services", "--source", cluster("traffic-policy-local"), "--node-name", "node-a");
        assertEquals(0, run.exitCode(), run.err());
        Golden.assertMatches("services-traffic-policy-local.txt", run.out());
        assertEquals("", run.err());
    }

    /** Issue 18: a node name the cluster does not list is a warning naming the fix; the table is still printed. */
    @Test
    void an_unknown_node_name_is_a_warning_with_its_consequences() {
        CommandRun run = CommandRun.of("services", "--source", cluster("traffic-policy-local"), "--node-name", "worker-9");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("edge/ingress:http"), "the table is still printed: " + run.out());
        assertEquals("warning: node \"worker-9\" is not one of the cluster's 2 Nodes (node-a, node-b): pass --node-name (or set NODE_NAME) "
                + "to this node's name as `kubectl get nodes` shows it; until then NodePorts are shown on every address and "
                + "externalTrafficPolicy Local Services without local endpoints\n", run.err());
        CommandRun json = CommandRun.of("services", "--json", "--source", cluster("traffic-policy-local"), "--node-name", "worker-9");
        assertTrue(json.out().contains("is not one of the cluster's 2 Nodes"), "scripts see it in the JSON's problems: " + json.out());
        assertEquals("", CommandRun.of("services", "--source", cluster("traffic-policy-local"), "--node-name", "node-b").err());
        assertEquals("", CommandRun.of("services", "--source", cluster("clusterip-single"), "--node-name", "worker-9").err(),
                "a source without Nodes cannot be checked");
    }

    @Test
    void json_follows_schema_v1_and_carries_the_problems() {
        CommandRun run = CommandRun.of("services", "--json", "--source", cluster("bad-input"), "--node-name", "node-a");
        assertEquals(0, run.exitCode());
        JsonObject doc = JsonParser.parseString(run.out()).getAsJsonObject();
        assertEquals(List.of("schema", "node", "source", "frontends", "problems"), List.copyOf(doc.keySet()));
        assertEquals("kpf.services/v1", doc.get("schema").getAsString());
        assertEquals(3, doc.getAsJsonArray("frontends").size());
        JsonObject survivor = doc.getAsJsonArray("frontends").get(0).getAsJsonObject();
        assertEquals("10.96.9.1", survivor.get("address").getAsString());
        assertEquals("10.244.1.99", survivor.getAsJsonArray("backends").get(0).getAsJsonObject().get("address").getAsString());
        assertEquals(11, doc.getAsJsonArray("problems").size());
        assertEquals("invalid.yaml:1", doc.getAsJsonArray("problems").get(1).getAsJsonObject().get("location").getAsString());
    }

    @Test
    void problems_go_to_stderr_and_the_rest_is_still_printed() {
        CommandRun run = CommandRun.of("services", "--source", cluster("bad-input"), "--node-name", "node-a");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("app/survivor:http"), run.out());
        assertTrue(run.err().contains("warning: invalid.yaml:8: Service app/bad-port: port http: port 70000 is not in 1-65535"), run.err());
    }

    @Test
    void an_unknown_source_is_a_usage_error_and_unreachable_ones_cannot_run(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertEquals(64, CommandRun.of("services", "--source", "etcd").exitCode());
        assertEquals(2, CommandRun.of("services", "--source", "dir:/nonexistent/kpf").exitCode());
        CommandRun missing = CommandRun.of("services", "--source", "kube", "--kubeconfig", "/nonexistent/kubeconfig");
        assertEquals(2, missing.exitCode());
        assertEquals("kpf services: kubeconfig /nonexistent/kubeconfig does not exist or is unreadable (pass --kubeconfig FILE or set KUBECONFIG)\n", missing.err());
        java.nio.file.Files.writeString(dir.resolve("dead"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: x, cluster: {server: "http://127.0.0.1:1"}}]
                contexts: [{name: x, context: {cluster: x, user: x}}]
                current-context: x
                users: [{name: x, user: {}}]
                """);
        CommandRun dead = CommandRun.of("services", "--source", "kube", "--kubeconfig", dir.resolve("dead").toString(), "--timeout", "2");
        assertEquals(2, dead.exitCode());
        assertTrue(dead.err().startsWith("kpf services: The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?"),
                "the first error ends a one-shot read, in kubectl's words: " + dead.err());
    }

    @Test
    void the_api_source_and_the_demo_source_give_the_same_table(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        try (var server = dev.kpf.testdata.apiserver.FakeApiServer.start(0)) {
            dev.kpf.testdata.demo.DemoCluster.objects(dev.kpf.testdata.demo.DemoCluster.Variant.KUBE_PROXY_FREE).forEach(server.store()::put);
            Path kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
            CommandRun api = CommandRun.of("services", "--source", "kube", "--kubeconfig", kubeconfig.toString(), "--node-name", "node-a");
            CommandRun demo = CommandRun.of("services", "--source", "demo");
            assertEquals(0, api.exitCode(), api.err());
            assertEquals(0, demo.exitCode(), demo.err());
            assertEquals(demo.out(), api.out());
            Golden.assertMatches("services-demo.txt", demo.out());
        }
    }
}
