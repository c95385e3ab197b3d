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
        assertTrue(run.err().contains("--dry-run shows exactly what, --yes does it"), run.err());
    }

    @Test
    void without_an_api_server_the_cluster_checks_say_why() {
        CommandRun run = CommandRun.of("doctor", "--no-node", "--kubeconfig", "/nonexistent/kubeconfig");
        assertEquals(3, run.exitCode(), run.out());
        assertTrue(run.out().contains("could not check: kubeconfig /nonexistent/kubeconfig does not exist or is unreadable"), run.out());
    }

    @Test
    void a_bundle_is_written_next_to_the_report_and_an_unwritable_path_exits_3(@TempDir Path dir) throws Exception {
        try (FakeApiServer server = FakeApiServer.start(0)) {
            DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).forEach(server.store()::put);
            Path kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
            Path bundle = dir.resolve("support.tar.gz");
            CommandRun run = CommandRun.of("doctor", "--no-node", "--kubeconfig", kubeconfig.toString(), "--json", "--bundle", bundle.toString());
            assertEquals(0, run.exitCode(), run.err());
            JsonParser.parseString(run.out());
            assertTrue(run.err().startsWith("bundle: " + bundle + " ("), run.err());
            Process tar = new ProcessBuilder("tar", "-tzf", bundle.toString()).redirectErrorStream(true).start();
            List<String> names = new String(tar.getInputStream().readAllBytes()).lines().toList();
            assertEquals(0, tar.waitFor());
            assertTrue(names.stream().anyMatch(n -> n.endsWith("/doctor.json")) && names.stream().anyMatch(n -> n.endsWith("/cluster/daemonsets.txt")), names.toString());

            CommandRun denied = CommandRun.of("doctor", "--no-node", "--kubeconfig", kubeconfig.toString(), "--bundle", dir.resolve("no/such/dir/b.tar.gz").toString());
            assertEquals(3, denied.exitCode(), denied.err());
            assertTrue(denied.err().contains("could not write the bundle") && denied.err().contains("choose a writable path"), denied.err());
        }
    }

    @Test
    void an_api_server_that_hangs_costs_one_bounded_wait_not_one_per_check(@TempDir Path dir) throws Exception {
        try (FakeApiServer server = FakeApiServer.start(0)) {
            DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).forEach(server.store()::put);
            Path kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
            server.faults().delay(60_000);
            long start = System.nanoTime();
            CommandRun run = CommandRun.of("doctor", "--no-node", "--preflight", "--kubeconfig", kubeconfig.toString(), "--json");
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertTrue(seconds < 12, "took " + seconds + " s");
            assertEquals(3, run.exitCode(), run.out());
            String hostPort = "127.0.0.1:" + server.port();
            assertTrue(run.out().contains("list daemonsets: Unable to connect to the server " + hostPort + ": no answer within the doctor's time budget"), run.out());
            assertTrue(run.out().contains("list clusters: Unable to connect to the server " + hostPort), "later reads fail at once with the first reason: " + run.out());
            server.faults().delay(0);
        }
    }

    /** Issue 18: an unknown --only or --skip id is a usage error that lists the checks (it ran 0 checks and exited 3). */
    @Test
    void unknown_check_ids_are_usage_errors_that_list_the_checks() {
        CommandRun run = CommandRun.of("doctor", "--no-node", "--only", "bogus.id,node.facts");
        assertEquals(64, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("kpf doctor: --only bogus.id: no such check; the checks are agent.health, "), run.err());
        assertEquals(64, CommandRun.of("doctor", "--no-node", "--skip", "daemonsets.kube-proxy").exitCode());
    }

    /** Every id a doctor run can report is one --only and --skip accept (a run with the preflight on a fixture host). */
    @Test
    void every_reported_id_is_a_known_check_id(@TempDir Path dir) throws Exception {
        try (FakeApiServer server = FakeApiServer.start(0)) {
            DemoCluster.objects(DemoCluster.Variant.WITH_KUBE_PROXY).forEach(server.store()::put);
            Path kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
            CommandRun run = CommandRun.of("doctor", "--root", Golden.fixture("ubuntu-22.04-kernel-5.15").toString(), "--kubeconfig", kubeconfig.toString(),
                    "--preflight", "--json");
            List<String> ids = JsonParser.parseString(run.out()).getAsJsonObject().getAsJsonArray("checks").asList().stream()
                    .map(e -> e.getAsJsonObject().get("id").getAsString()).toList();
            assertTrue(ids.size() > 20, ids.toString());
            java.util.Set<String> known = dev.kpf.diagnostics.Doctor.checkIds();
            assertEquals(List.of(), ids.stream().filter(id -> !known.contains(id)).toList(), "reported but unknown to --only");
        }
    }

    /** Issue 18: JUnit XML for CI (a failed check is a failed test), a summary and score in JSON and text. */
    @Test
    void junit_for_ci_and_a_summary_with_a_score(@TempDir Path dir) throws Exception {
        try (FakeApiServer server = FakeApiServer.start(0)) {
            DemoCluster.objects(DemoCluster.Variant.WITH_KUBE_PROXY).forEach(server.store()::put);
            Path kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
            CommandRun run = CommandRun.of("doctor", "--no-node", "--kubeconfig", kubeconfig.toString(), "--output", "junit");
            assertEquals(2, run.exitCode(), run.err());
            var xml = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new java.io.ByteArrayInputStream(run.out().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            var suite = xml.getDocumentElement();
            assertEquals("testsuite", suite.getTagName());
            var cases = suite.getElementsByTagName("testcase");
            assertEquals(Integer.parseInt(suite.getAttribute("tests")), cases.getLength());
            assertEquals("1", suite.getAttribute("failures"), run.out());
            assertTrue(suite.getAttribute("timestamp").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d)?"), "JUnit's form, to the second, no zone: "
                    + suite.getAttribute("timestamp"));
            boolean kubeProxyFailed = false;
            for (int i = 0; i < cases.getLength(); i++) {
                var c = (org.w3c.dom.Element) cases.item(i);
                if (c.getAttribute("name").equals("daemonsets.kube-proxy-absent")) {
                    var failure = (org.w3c.dom.Element) c.getElementsByTagName("failure").item(0);
                    kubeProxyFailed = failure != null && failure.getTextContent().contains("fix: ");
                }
            }
            assertTrue(kubeProxyFailed, run.out());

            JsonObject json = JsonParser.parseString(CommandRun.of("doctor", "--no-node", "--kubeconfig", kubeconfig.toString(), "--json").out()).getAsJsonObject();
            JsonObject summary = json.getAsJsonObject("summary");
            assertEquals(1, summary.get("fail").getAsInt());
            int ran = summary.get("pass").getAsInt() + summary.get("warn").getAsInt() + summary.get("fail").getAsInt();
            assertEquals(Math.round(100.0 * (summary.get("pass").getAsInt() + summary.get("warn").getAsInt() / 2.0) / ran), summary.get("score").getAsInt());
            assertTrue(java.time.Instant.parse(json.get("generatedAt").getAsString()).isAfter(java.time.Instant.now().minusSeconds(60)));
            assertTrue(json.has("kpfVersion"));
            assertTrue(CommandRun.of("doctor", "--no-node", "--kubeconfig", kubeconfig.toString()).out().contains("1 failed, 0 could not run; score "));
        }
        assertEquals(64, CommandRun.of("doctor", "--no-node", "--output", "yaml").exitCode());
    }

    /** Review of issue 18: flags of another mode are usage errors, and a run that ran nothing says why. */
    @Test
    void flags_without_their_mode_are_usage_errors_and_an_empty_selection_says_why() {
        assertEquals(64, CommandRun.of("doctor", "--dry-run", "--no-node").exitCode());
        assertEquals(64, CommandRun.of("doctor", "--yes", "--no-node").exitCode());
        CommandRun preflight = CommandRun.of("doctor", "--only", "preflight.nodes", "--no-node");
        assertEquals(64, preflight.exitCode(), preflight.out());
        assertTrue(preflight.err().contains("preflight checks run with --preflight"), preflight.err());
        CommandRun gated = CommandRun.of("doctor", "--only", "node.leftover-rules", "--no-node");
        assertTrue(gated.err().contains("--no-node leaves out the checks of this node"), "an empty run says why: " + gated.err());
        CommandRun formats = CommandRun.of("doctor", "--json", "-o", "text", "--no-node");
        assertEquals(64, formats.exitCode(), formats.out());
        assertTrue(formats.err().contains("--json and --output text ask for two formats"), formats.err());
    }
}
