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
    void an_unavailable_source_is_a_usage_error_and_a_missing_directory_cannot_run() {
        assertEquals(64, CommandRun.of("services", "--source", "kube").exitCode());
        assertEquals(2, CommandRun.of("services", "--source", "dir:/nonexistent/kpf").exitCode());
    }
}
