package dev.kpf.testdata.apiserver;

import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.source.InClusterApi;
import dev.kpf.dataplane.source.KubeSource;
import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 17: an agent in a pod on a node without kube-proxy. Its in-cluster credentials name the kubernetes Service's
 * ClusterIP, which nothing translates before kpf has synced (here: a loopback port nothing listens on). With the API
 * server's own address configured it syncs; without it, its errors name the setting that mends them.
 */
class InClusterBootstrapIT {
    @TempDir
    Path serviceAccount;
    private FakeApiServer server;
    private KubeSource source;
    private Map<String, String> podEnv;

    @BeforeEach
    void start() throws Exception {
        server = FakeApiServer.start(0);
        DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).forEach(server.store()::put);
        Files.writeString(serviceAccount.resolve("token"), "kpf-test-token");
        int untranslated;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            untranslated = s.getLocalPort(); // closed again: connects are refused, as to a ClusterIP nothing serves
        }
        podEnv = Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1", "KUBERNETES_SERVICE_PORT", Integer.toString(untranslated));
    }

    @AfterEach
    void stop() {
        if (source != null) source.close();
        server.close();
    }

    @Test
    void through_a_kubernetes_service_nothing_translates_the_error_names_the_setting() throws Exception {
        InClusterApi api = InClusterApi.resolve(Optional.empty(), podEnv, serviceAccount);
        assertTrue(api.throughService());
        AtomicReference<ClusterState> latest = new AtomicReference<>();
        source = new KubeSource(api.client(), api.description(), Duration.ofMillis(10), Duration.ofMinutes(5), Clock.systemUTC())
                .withUnreachableHint(api.unreachableHint());
        source.start(latest::set);
        String error = awaitError();
        assertTrue(error.contains("--k8s-api-server HOST:PORT") && error.contains("KPF_K8S_API_SERVER")
                && error.contains("kubernetes Service 127.0.0.1:" + podEnv.get("KUBERNETES_SERVICE_PORT")), error);
        assertNull(latest.get(), "nothing was read");
    }

    @Test
    void with_the_api_servers_own_address_the_agent_syncs_without_the_service() throws Exception {
        InClusterApi api = InClusterApi.resolve(Optional.of(server.url()), podEnv, serviceAccount);
        assertEquals(false, api.throughService());
        assertEquals(Optional.empty(), api.unreachableHint());
        AtomicReference<ClusterState> latest = new AtomicReference<>();
        source = new KubeSource(api.client(), api.description(), Duration.ofMillis(10), Duration.ofMinutes(5), Clock.systemUTC())
                .withUnreachableHint(api.unreachableHint());
        source.start(latest::set);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (latest.get() == null && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(latest.get() != null && !latest.get().services().isEmpty(), "synced from " + api.description() + ": " + source.status());
        assertTrue(api.description().contains("(--k8s-api-server)"), api.description());
    }

    @Test
    void the_address_takes_the_forms_an_operator_writes_and_a_wrong_one_names_the_setting() {
        assertEquals("https://10.200.0.2:6443", InClusterApi.resolve(Optional.of("10.200.0.2:6443"), Map.of(), serviceAccount).server().toString());
        assertEquals("https://[fd00::2]:6443", InClusterApi.resolve(Optional.of("fd00::2:6443"), Map.of(), serviceAccount).server().toString());
        assertEquals("https://[fd00::2]:6443", InClusterApi.resolve(Optional.of("[fd00::2]:6443"), Map.of(), serviceAccount).server().toString());
        assertEquals("https://api.example.internal:443", InClusterApi.resolve(Optional.of("https://api.example.internal:443"), Map.of(), serviceAccount).server().toString());
        for (String wrong : new String[] {"api.example.internal", "ftp://h:21", "https://h:6443/path", "h:port"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> InClusterApi.resolve(Optional.of(wrong), Map.of(), serviceAccount), wrong);
            assertTrue(e.getMessage().startsWith("--k8s-api-server " + wrong + ": use the API server's own address"), e.getMessage());
        }
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> InClusterApi.resolve(Optional.empty(), Map.of(), serviceAccount));
        assertTrue(none.getMessage().contains("KPF_K8S_API_SERVER=HOST:PORT") && none.getMessage().contains("--kubeconfig FILE"), "the fix for every command (the environment works for all, the flag only for the agent): " + none.getMessage());
    }

    private String awaitError() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> e = source.status().lastError();
            if (e.isPresent()) return e.get();
            Thread.sleep(20);
        }
        fail("no error within 15 s: " + source.status());
        return null;
    }
}
