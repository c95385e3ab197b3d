package dev.kpf.diagnostics;

import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeStatus;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.demo.DemoCluster;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * node.proxy-coexistence with real evidence: a process named kube-proxy, a kube-proxy pod scheduled on this node by
 * the API, KUBE-* rules rewritten inside a namespace the test makes, and an agent answering on loopback.
 */
class ProxyCoexistenceKernelIT {
    @TempDir
    Path dir;

    /** Something that answers on loopback the way a running agent does: its status with kpf's schema. */
    private static HttpServer agent() throws Exception {
        return answering("/v1/status", "{\"schema\": \"kpf.status/v1\", \"node\": \"node-a\"}");
    }

    /** kube-proxy's health server, as an impostor where an agent is looked for: 200 with its JSON on every path. */
    private static HttpServer kubeProxyHealth() throws Exception {
        return answering("/", "{\"lastUpdated\": \"2026-12-02T10:00:00Z\", \"currentTime\": \"2026-12-02T10:00:01Z\"}");
    }

    private static HttpServer answering(String path, String body) throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        http.createContext(path, ex -> {
            byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
        return http;
    }

    /** Issue 17: a bare 200 (kube-proxy's /healthz) is not a kpf agent: a node running only kube-proxy is not told it runs two proxies. */
    @Test
    void kube_proxys_health_server_where_the_agent_is_looked_for_is_not_taken_for_kpf() throws Exception {
        Path binary = Files.copy(Path.of("/bin/sleep"), dir.resolve("kube-proxy"), StandardCopyOption.COPY_ATTRIBUTES);
        Process kubeProxy = new ProcessBuilder(binary.toString(), "60").redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        HttpServer impostor = kubeProxyHealth();
        try {
            CheckResult onlyKubeProxy = ProxyCoexistence.check(new ProxyCoexistence.Sources(HostRoot.live(), null, Duration.ZERO, null, "", uri(impostor), null));
            assertEquals(ProbeStatus.PASS, onlyKubeProxy.status(), onlyKubeProxy.toString());
            assertTrue(!onlyKubeProxy.observed().contains("agent answers"), onlyKubeProxy.observed());
            CheckResult health = AgentHealth.check(uri(impostor));
            assertEquals(ProbeStatus.UNKNOWN, health.status(), health.toString());
            assertTrue(health.observed().startsWith("something answers at " + uri(impostor) + " but not as a kpf agent"), health.observed());
        } finally {
            kubeProxy.destroyForcibly();
            impostor.stop(0);
        }
    }

    private static URI uri(HttpServer http) {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    @Test
    void a_kube_proxy_process_next_to_a_running_agent_fails_with_the_remedy() throws Exception {
        Path binary = Files.copy(Path.of("/bin/sleep"), dir.resolve("kube-proxy"), StandardCopyOption.COPY_ATTRIBUTES);
        Process kubeProxy = new ProcessBuilder(binary.toString(), "60").redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        HttpServer http = agent();
        try {
            var sources = new ProxyCoexistence.Sources(HostRoot.live(), null, Duration.ZERO, null, "", uri(http), null);
            CheckResult both = ProxyCoexistence.check(sources);
            assertEquals(ProbeStatus.FAIL, both.status(), both.toString());
            assertTrue(both.observed().contains("process " + kubeProxy.pid() + " (kube-proxy)"), both.observed());
            assertTrue(both.observed().contains("kpf: agent answers at " + uri(http) + " (kpf.status/v1, node node-a)"), both.observed());
            assertTrue(both.remedy().contains("kpf doctor --fix-leftovers --yes") && both.remedy().contains("kpf agent --cleanup"), both.remedy());

            kubeProxy.destroy();
            assertTrue(kubeProxy.waitFor(10, TimeUnit.SECONDS));
            CheckResult agentOnly = ProxyCoexistence.check(sources);
            assertEquals(ProbeStatus.PASS, agentOnly.status(), agentOnly.toString());
            assertTrue(agentOnly.observed().startsWith("kube-proxy: not running; kpf: agent answers"), agentOnly.observed());
        } finally {
            kubeProxy.destroyForcibly();
            http.stop(0);
        }
    }

    @Test
    void a_kube_proxy_pod_on_this_node_counts_and_pods_on_other_nodes_do_not() throws Exception {
        HttpServer http = agent();
        try (FakeApiServer server = FakeApiServer.start(0)) {
            DemoCluster.objects(DemoCluster.Variant.WITH_KUBE_PROXY).forEach(server.store()::put);
            ClusterReader reader = new ClusterReader(KubeClients.fromKubeconfig(server.writeKubeconfig(dir.resolve("kubeconfig"))));
            CheckResult onNode = ProxyCoexistence.check(new ProxyCoexistence.Sources(null, null, Duration.ZERO, reader, "node-b", uri(http), null));
            assertEquals(ProbeStatus.FAIL, onNode.status(), onNode.toString());
            assertTrue(onNode.observed().startsWith("kube-proxy: pod kube-system/kube-proxy-node-b runs on node-b;"), onNode.observed());

            CheckResult elsewhere = ProxyCoexistence.check(new ProxyCoexistence.Sources(null, null, Duration.ZERO, reader, "node-z", uri(http), null));
            assertEquals(ProbeStatus.PASS, elsewhere.status(), elsewhere.toString());

            server.faults().forbid("pods");
            CheckResult forbidden = ProxyCoexistence.check(new ProxyCoexistence.Sources(null, null, Duration.ZERO, reader, "node-b", uri(http), null));
            assertEquals(ProbeStatus.UNKNOWN, forbidden.status(), forbidden.toString());
            assertTrue(forbidden.observed().contains("not looked at: kube-proxy pods (list pods:"), forbidden.observed());
        } finally {
            http.stop(0);
        }
    }

    @Test
    void kube_proxy_rules_rewritten_while_the_check_watches_count_and_still_rules_do_not() throws Exception {
        KernelRequirement.requireBpf();
        for (String tool : List.of("ip", "iptables-restore", "iptables-save")) KernelRequirement.requireCommand(tool);
        String ns = "kpft" + ProcessHandle.current().pid() + "c";
        run("ip", "netns", "add", ns);
        HttpServer http = agent();
        try {
            NodeCommands inNs = new NodeCommands(List.of("ip", "netns", "exec", ns));
            var sources = new ProxyCoexistence.Sources(null, inNs, Duration.ofMillis(1500), null, "", uri(http), null);
            assertEquals(ProbeStatus.PASS, ProxyCoexistence.check(sources).status(), "no rules at all");

            Path first = Files.writeString(dir.resolve("a"), rules("10.96.0.1"));
            Path second = Files.writeString(dir.resolve("b"), rules("10.96.0.2"));
            run("ip", "netns", "exec", ns, "iptables-restore", first.toString());
            assertEquals(ProbeStatus.PASS, ProxyCoexistence.check(sources).status(), "rules that stay as they are are leftovers, not a running kube-proxy");

            Thread rewrite = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(500);
                    run("ip", "netns", "exec", ns, "iptables-restore", second.toString());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            CheckResult rewritten = ProxyCoexistence.check(sources);
            rewrite.join(10_000);
            assertEquals(ProbeStatus.FAIL, rewritten.status(), rewritten.toString());
            assertTrue(rewritten.observed().startsWith("kube-proxy: KUBE-* iptables rules changed within 1500 ms;"), rewritten.observed());
        } finally {
            http.stop(0);
            run("ip", "netns", "del", ns);
        }
    }

    /** kube-proxy-shaped nat rules for one ClusterIP. */
    private static String rules(String clusterIp) {
        return """
                *nat
                :KUBE-SERVICES - [0:0]
                :KUBE-SVC-TEST - [0:0]
                -A OUTPUT -j KUBE-SERVICES
                -A KUBE-SERVICES -d %s/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-TEST
                COMMIT
                """.formatted(clusterIp);
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
