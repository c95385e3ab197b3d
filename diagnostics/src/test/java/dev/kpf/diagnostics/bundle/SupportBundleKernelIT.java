package dev.kpf.diagnostics.bundle;

import com.sun.net.httpserver.HttpServer;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.load.YamlDocuments;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.diagnostics.ClusterReader;
import dev.kpf.diagnostics.Doctor;
import dev.kpf.diagnostics.DoctorInputs;
import dev.kpf.diagnostics.DoctorJson;
import dev.kpf.diagnostics.NodeCommands;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A support bundle from real sources (a namespace the test makes, real pinned maps, an agent endpoint, pod logs, the
 * fake API server) with a credential planted in every input: none of them leaves in the archive, which tar reads.
 */
class SupportBundleKernelIT {
    @TempDir
    Path dir;

    private static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a3ViZS1zeXN0ZW06a3BmIn0.U0lHTkFUVVJFMDE";
    private static final String LINK_TOKEN = "linkaliastoken0123456789";
    private static final String RULE_TOKEN = "iptablescommenttoken98765";
    private static final String NFT_PASSWORD = "nftcommentpassword4242";
    private static final String METRICS_TOKEN = "metricsbearer55555555";
    private static final String STATUS_TOKEN = "statusjsontoken777";
    private static final String SECRET_VALUE = "c2VjcmV0LWRhdGEtdmFsdWU=";
    private static final String PEM_BODY = "MIIEpAIBAAKCAQEAplantedkeymaterial";
    private static final String LOG_PASSWORD = "logpassword31337";
    private static final String KEY_DATA = "Y2xpZW50LWtleS1kYXRhLXBsYW50ZWQ=";
    private static final String KUBECONFIG_TOKEN = "kubeconfigtoken24680";
    private static final String ANNOTATION_TOKEN = "annotationbearer13579";
    // issue 18: the shapes a review found leaking
    private static final String EXEC_ENV = "execenvvalue8642";
    private static final String EXEC_ARG = "execargpassword9753";
    private static final String URL_PASSWORD = "serverurlpassword1111";
    private static final String PROXY_PASSWORD = "proxyurlpassword2222";
    private static final String AWS_SECRET = "awssecretaccesskey3333";
    private static final String COOKIE = "cookievalue4444";
    private static final String SECOND_WORD = "secondwordofpassword5555";
    private static final String FLOW_ARG = "flowstyleexecarg6666";
    private static final String FLOW_ENV = "flowstyleexecenv7777";

    @Test
    void every_planted_credential_is_redacted_and_the_manifest_names_contents_and_gaps() throws Exception {
        KernelRequirement.requireBpf();
        for (String tool : List.of("ip", "iptables", "nft", "bpftool", "tar")) KernelRequirement.requireCommand(tool);
        String ns = "kpft" + ProcessHandle.current().pid() + "b";
        run("ip", "netns", "add", ns);
        HttpServer agent = agent();
        try (FakeApiServer api = FakeApiServer.start(0);
             var maps = dev.kpf.diagnostics.PinnedDatapath.open("bundle")) {
            List<String> in = List.of("ip", "netns", "exec", ns);
            run(cmd(in, "ip", "link", "set", "lo", "alias", "Bearer " + LINK_TOKEN));
            run(cmd(in, "iptables", "-A", "INPUT", "-m", "comment", "--comment", "Authorization: Bearer " + RULE_TOKEN, "-j", "ACCEPT"));
            Path nft = Files.writeString(dir.resolve("t.nft"), "table inet kpfbundle { comment \"password: " + NFT_PASSWORD + "\"; }\n");
            run(cmd(in, "nft", "-f", nft.toString()));

            Path logs = dir.resolve("pods");
            Path log = Files.createDirectories(logs.resolve("kube-system_kpf-x7k2p_0b1c/agent")).resolve("0.log");
            Files.writeString(log, "level=info msg=sync frontends=12\n"
                    + "level=error msg=\"list failed\" request=\"Authorization: Bearer " + JWT + "\" password=" + LOG_PASSWORD + "\n"
                    + "-----BEGIN RSA PRIVATE KEY-----\n" + PEM_BODY + "\n-----END RSA PRIVATE KEY-----\n"
                    + "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\"},\"data\":{\"password\":\"" + SECRET_VALUE + "\"}}\n"
                    + "env AWS_SECRET_ACCESS_KEY=" + AWS_SECRET + " AWS_REGION=us-east-1\n"
                    + "Cookie: session=" + COOKIE + "; theme=dark\n");
            Files.createDirectories(logs.resolve("kube-system_coredns-1_2/coredns"));
            Files.writeString(logs.resolve("kube-system_coredns-1_2/coredns/0.log"), "not kpf's log\n");

            DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).forEach(api.store()::put);
            Path serverKubeconfig = api.writeKubeconfig(dir.resolve("server.kubeconfig"));
            String kubeconfigText = Files.readString(serverKubeconfig).replace("users:", "users:\n- name: planted\n  user:\n    client-key-data: " + KEY_DATA
                    + "\n    token: " + KUBECONFIG_TOKEN
                    + "\n- name: plugin\n  user:\n    exec:\n      command: login\n      args:\n      - --password\n      - " + EXEC_ARG
                    + "\n      env:\n      - name: LOGIN_HOME\n        value: " + EXEC_ENV
                    + "\n- name: basic\n  user:\n    password: 'first " + SECOND_WORD + "'");
            Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), kubeconfigText);
            // the second file of a merged $KUBECONFIG list: it goes into the bundle too, redacted
            Path second = Files.writeString(dir.resolve("kubeconfig-other"), "apiVersion: v1\nkind: Config\nclusters:\n"
                    + "- cluster:\n    server: https://admin:" + URL_PASSWORD + "@192.0.2.1:6443\n    proxy-url: http://p:" + PROXY_PASSWORD + "@192.0.2.2:3128\n  name: other\n"
                    + "users: [{name: flow, user: {exec: {command: login, args: [\"--password\", \"" + FLOW_ARG + "\"], env: [{name: T, value: " + FLOW_ENV + "}]}}}]\n");
            ClusterReader reader = new ClusterReader(KubeClients.fromKubeconfig(serverKubeconfig));

            maps.program(dev.kpf.diagnostics.PinnedDatapath.demoTable());

            List<SourceDocument> config = YamlDocuments.parse("""
                    apiVersion: baremetal.cluster.gke.io/v1
                    kind: Cluster
                    metadata:
                      name: prod
                      namespace: cluster-prod
                      annotations:
                        preview.baremetal.cluster.gke.io/kube-proxy-free: "Bearer %s"
                    """.formatted(ANNOTATION_TOKEN), "cluster.yaml").documents();
            var report = Doctor.run(DoctorInputs.none().withCluster(reader, null).withClusterConfig(config).withSelection(java.util.Set.of(), java.util.Set.of()));
            assertTrue(DoctorJson.render(report).contains(ANNOTATION_TOKEN), "the doctor's own output carries the planted value");

            SupportBundle bundle = new SupportBundle("kpf-bundle-test", Instant.parse("2026-11-25T12:00:00Z"));
            bundle.add("doctor.json", DoctorJson.render(report));
            URI agentUri = URI.create("http://127.0.0.1:" + agent.getAddress().getPort());
            new BundleCollector(new NodeCommands(in), agentUri, maps.pins(), List.of(kubeconfig, second), reader, logs, 2000).collectInto(bundle);
            Path file = dir.resolve("bundle.tar.gz");
            SupportBundle.Written written = bundle.write(file);

            Path out = Files.createDirectories(dir.resolve("x"));
            run("tar", "-xzf", file.toString(), "-C", out.toString());
            Map<String, String> files = new java.util.TreeMap<>();
            try (Stream<Path> walk = Files.walk(out)) {
                for (Path p : walk.filter(Files::isRegularFile).toList()) files.put(out.relativize(p).toString(), Files.readString(p));
            }
            for (String planted : List.of(JWT, LINK_TOKEN, RULE_TOKEN, NFT_PASSWORD, METRICS_TOKEN, STATUS_TOKEN, SECRET_VALUE, PEM_BODY,
                    LOG_PASSWORD, KEY_DATA, KUBECONFIG_TOKEN, ANNOTATION_TOKEN, EXEC_ENV, EXEC_ARG, URL_PASSWORD, PROXY_PASSWORD, AWS_SECRET, COOKIE,
                    SECOND_WORD, FLOW_ARG, FLOW_ENV)) {
                files.forEach((name, text) -> assertFalse(text.contains(planted), planted + " left the node in " + name));
            }
            for (String expected : List.of("MANIFEST.txt", "doctor.json", "node/ip-addr.txt", "node/ip-link.txt", "node/ip-route.txt",
                    "node/nft-ruleset.txt", "node/iptables-save.txt", "maps/kpf_svc4.json", "agent/metrics.txt", "agent/status.json",
                    "agent/services.json", "agent/logs/kpf-x7k2p-agent-0.log", "cluster/daemonsets.txt", "cluster/kubeconfig.yaml",
                    "cluster/kubeconfig-2.yaml", "cluster/kubeconfig-files.txt")) {
                assertTrue(files.containsKey("kpf-bundle-test/" + expected), expected + " not in " + files.keySet());
            }
            assertEquals(written.entries().size() + 1, files.size(), "nothing but the entries and the manifest: " + files.keySet());
            String root = "kpf-bundle-test/";
            assertTrue(files.get(root + "node/iptables-save.txt").contains("--comment \"Authorization: Bearer [REDACTED]\" -j ACCEPT"), "the rule stays readable");
            assertTrue(files.get(root + "node/ip-link.txt").contains("alias Bearer [REDACTED]"), files.get(root + "node/ip-link.txt"));
            assertTrue(files.get(root + "agent/logs/kpf-x7k2p-agent-0.log").contains("level=info msg=sync frontends=12"));
            assertTrue(files.get(root + "cluster/kubeconfig.yaml").contains("server: http://127.0.0.1:" + api.port()), "the server stays readable");
            assertTrue(files.get(root + "cluster/kubeconfig-2.yaml").contains("name: other") && files.get(root + "cluster/kubeconfig-2.yaml")
                    .contains("@192.0.2.1:6443"), "the second file, readable: " + files.get(root + "cluster/kubeconfig-2.yaml"));
            assertEquals("merged in this order (kubectl's rule: the first file that names a cluster, user or context wins):\n"
                    + "  cluster/kubeconfig.yaml    " + kubeconfig + "\n  cluster/kubeconfig-2.yaml  " + second + "\n",
                    files.get(root + "cluster/kubeconfig-files.txt"));
            assertTrue(files.get(root + "cluster/daemonsets.txt").contains("anetd"));
            assertTrue(files.get(root + "maps/kpf_svc4.json").contains("\"key\""), "a real bpftool dump");
            assertFalse(files.keySet().stream().anyMatch(f -> f.contains("coredns")), "only kpf's pod logs");
            String manifest = files.get(root + "MANIFEST.txt");
            assertTrue(manifest.contains("Contains:\n  doctor.json"), manifest);
            assertTrue(manifest.contains("Could not collect:\n"), manifest);
            assertTrue(manifest.contains("Redacted before writing: PEM keys and certificates"), manifest);
        } finally {
            agent.stop(0);
            run("ip", "netns", "del", ns);
        }
    }

    @Test
    void what_cannot_be_collected_is_listed_with_the_reason() throws Exception {
        SupportBundle bundle = new SupportBundle("kpf-bundle-gaps", Instant.parse("2026-11-25T12:00:00Z"));
        new BundleCollector(new NodeCommands(List.of()), URI.create("http://127.0.0.1:1"), dir.resolve("no-pins"), List.of(), null, dir.resolve("no-logs"), 10)
                .collectInto(bundle);
        Map<String, String> missing = new java.util.HashMap<>();
        bundle.missingEntries().forEach(m -> missing.put(m.name(), m.reason()));
        assertTrue(missing.get("maps/").startsWith("no kpf pins under " + dir.resolve("no-pins")), missing.toString());
        assertTrue(missing.get("agent/status.json").startsWith("GET http://127.0.0.1:1/v1/status: ConnectException"), missing.toString());
        assertTrue(missing.get("agent/logs/").startsWith("no kpf pod logs under"), missing.toString());
        assertEquals("no API server", missing.get("cluster/daemonsets.txt"));
        assertTrue(bundle.manifest().contains("  cluster/daemonsets.txt           no API server"), bundle.manifest());
    }

    /** An agent endpoint whose answers carry credentials (as a misconfigured exporter or a logged request might). */
    private static HttpServer agent() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        Map<String, String> bodies = Map.of(
                "/metrics", "# HELP kpf_sync_errors_total sync errors; last: upstream said Bearer " + METRICS_TOKEN + "\nkpf_services 12\n",
                "/v1/status", "{\"frontends\": 12, \"lastError\": {\"token\": \"" + STATUS_TOKEN + "\"}}",
                "/v1/services", "{\"schema\":\"kpf.services/v1\",\"dump\":{\"kind\":\"Secret\",\"data\":{\"k\":\"" + SECRET_VALUE + "\"}}}");
        bodies.forEach((path, body) -> http.createContext(path, ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        }));
        http.start();
        return http;
    }

    private static String[] cmd(List<String> prefix, String... args) {
        List<String> c = new ArrayList<>(prefix);
        c.addAll(List.of(args));
        return c.toArray(String[]::new);
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
