package dev.kpf.testdata.apiserver;

import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The real kubectl against the fake API server: the platform's verification command must work as documented. */
class KubectlIT {
    @TempDir
    Path dir;
    private FakeApiServer server;
    private Path kubeconfig;

    @BeforeEach
    void start() throws Exception {
        requireKubectl();
        server = FakeApiServer.start(0);
        kubeconfig = server.writeKubeconfig(dir.resolve("kubeconfig"));
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    static void requireKubectl() {
        boolean found = List.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(":")).stream()
                .anyMatch(d -> Files.isExecutable(Path.of(d, "kubectl")));
        if (found) return;
        String reason = "needs kubectl (./run-tests installs kubernetes-client when no kubectl is present)";
        if ("true".equalsIgnoreCase(System.getProperty("kpf.requireKernel")) || "true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true and this test cannot run: " + reason);
        }
        org.junit.jupiter.api.Assumptions.abort(reason);
    }

    private String kubectl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "--request-timeout=20s"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .directory(dir.toFile()).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("kubectl timed out");
        }
        assertEquals(0, p.exitValue(), "kubectl " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    @Test
    void get_daemonsets_all_namespaces_shows_the_dataplane_and_no_kube_proxy() throws Exception {
        DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).forEach(server.store()::put);
        String out = kubectl("get", "daemonsets", "--all-namespaces");
        List<String> lines = out.strip().lines().toList();
        List<String> header = List.of(lines.getFirst().trim().split("\\s{2,}"));
        assertEquals(List.of("NAMESPACE", "NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"), header, out);
        List<String> names = lines.subList(1, lines.size()).stream().map(l -> l.trim().split("\\s+")[1]).toList();
        assertEquals(DemoCluster.DATAPLANE_DAEMONSETS, names, out);
        assertFalse(out.contains("kube-proxy"), out);
        String anetd = lines.stream().filter(l -> l.contains(" anetd ")).findFirst().orElseThrow();
        assertEquals(List.of("kube-system", "anetd", "3", "3", "3", "3", "3", "<none>"), List.of(anetd.trim().split("\\s+")).subList(0, 8));
        String etcd = lines.stream().filter(l -> l.contains("etcd-defrag")).findFirst().orElseThrow();
        assertTrue(etcd.contains("node-role.kubernetes.io/control-plane="), etcd);
    }

    @Test
    void the_variant_with_kube_proxy_shows_it() throws Exception {
        DemoCluster.objects(DemoCluster.Variant.WITH_KUBE_PROXY).forEach(server.store()::put);
        String out = kubectl("get", "daemonsets", "--all-namespaces");
        assertTrue(out.lines().anyMatch(l -> l.trim().split("\\s+")[1].equals("kube-proxy")), out);
    }

    @Test
    void kubectl_reads_services_json_and_the_cluster_resource() throws Exception {
        DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).forEach(server.store()::put);
        String svc = kubectl("get", "svc", "-n", "kube-system", "kube-dns", "-o", "jsonpath={.spec.clusterIP}");
        assertEquals("10.96.0.10", svc.strip());
        String annotation = kubectl("get", "clusters.baremetal.cluster.gke.io", "-n", "cluster-demo", "demo",
                "-o", "jsonpath={.metadata.annotations.preview\\.baremetal\\.cluster\\.gke\\.io/kube-proxy-free}");
        assertEquals("enable", annotation.strip());
        String nodes = kubectl("get", "nodes", "-o", "name");
        assertEquals("node/node-a\nnode/node-b\nnode/node-c", nodes.strip());
    }
}
