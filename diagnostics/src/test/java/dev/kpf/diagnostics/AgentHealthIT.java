package dev.kpf.diagnostics;

import dev.kpf.dataplane.agent.AgentDatapath;
import dev.kpf.dataplane.agent.AgentRuntime;
import dev.kpf.dataplane.agent.AgentSettings;
import dev.kpf.dataplane.agent.AgentSources;
import dev.kpf.probes.probe.ProbeStatus;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** agent.health against a running agent, and without one. */
class AgentHealthIT {
    @Test
    void a_ready_simulated_agent_is_a_warning_and_no_agent_is_unknown() throws Exception {
        Path cluster = Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "clusters", "clusterip-single");
        AgentSettings settings = AgentSettings.simulated("node-a");
        try (AgentRuntime agent = AgentRuntime.start(settings, AgentSources.directory(cluster), AgentDatapath.open(settings))) {
            assertTrue(agent.agent().awaitReady(Duration.ofSeconds(10)));
            CheckResult r = AgentHealth.check(URI.create("http://127.0.0.1:" + agent.address().getPort()));
            assertEquals(ProbeStatus.WARN, r.status(), r.toString());
            assertTrue(r.observed().startsWith("healthz 200, readyz 200, 1 frontends"), r.observed());
            assertTrue(r.observed().matches(".*, 1 syncs, last \\d+ s ago \\(simulated datapath\\)"), r.observed());
            assertTrue(r.remedy().contains("--simulate"), r.remedy());
        }
        CheckResult none = AgentHealth.check(URI.create("http://127.0.0.1:1"));
        assertEquals(ProbeStatus.UNKNOWN, none.status());
        assertTrue(none.observed().startsWith("no kpf agent answers at http://127.0.0.1:1"), none.observed());
    }

    /**
     * Issue 17: an agent that reaches the API server through the kubernetes Service syncs while kube-proxy runs, but
     * would not on a rebooted node without it: the doctor warns and names the setting.
     */
    @Test
    void an_agent_going_through_the_kubernetes_service_is_a_warning_that_names_the_setting(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        try (dev.kpf.testdata.apiserver.FakeApiServer server = dev.kpf.testdata.apiserver.FakeApiServer.start(0)) {
            dev.kpf.testdata.demo.DemoCluster.objects(dev.kpf.testdata.demo.DemoCluster.Variant.KUBE_PROXY_FREE).forEach(server.store()::put);
            Files.writeString(dir.resolve("token"), "t");
            // a pod's view: the kubernetes Service's address (here served, as while kube-proxy still runs) and no direct one
            URI url = URI.create(server.url());
            dev.kpf.dataplane.source.InClusterApi api = dev.kpf.dataplane.source.InClusterApi.resolve(java.util.Optional.empty(),
                    java.util.Map.of("KUBERNETES_SERVICE_HOST", url.getHost(), "KUBERNETES_SERVICE_PORT", Integer.toString(url.getPort())), dir);
            dev.kpf.dataplane.source.KubeSource source = new dev.kpf.dataplane.source.KubeSource(
                    dev.kpf.dataplane.source.KubeClients.fromKubeconfig(server.writeKubeconfig(dir.resolve("kubeconfig"))), api.description(),
                    Duration.ofMillis(10), Duration.ofMinutes(5), Clock.systemUTC()).withUnreachableHint(api.unreachableHint());
            AgentSettings settings = AgentSettings.simulated("node-a");
            try (AgentRuntime agent = AgentRuntime.start(settings, source, AgentDatapath.open(settings))) {
                assertTrue(agent.agent().awaitReady(Duration.ofSeconds(15)));
                CheckResult r = AgentHealth.check(URI.create("http://127.0.0.1:" + agent.address().getPort()));
                assertEquals(ProbeStatus.WARN, r.status(), r.toString());
                assertTrue(r.observed().endsWith("; through the kubernetes Service"), r.observed());
                assertTrue(r.remedy().contains("set --k8s-api-server HOST:PORT") && r.remedy().contains("ConfigMap kube-system/kpf-agent, key KPF_K8S_API_SERVER"), r.remedy());
            }
        }
    }
}
