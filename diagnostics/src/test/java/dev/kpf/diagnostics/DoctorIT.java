package dev.kpf.diagnostics;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.probes.probe.ProbeStatus;
import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.apiserver.ResourceType;
import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The doctor's cluster checks against the fake API server serving fixture clusters. */
class DoctorIT {
    @TempDir
    Path dir;
    private FakeApiServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private ClusterReader serve(DemoCluster.Variant variant) throws Exception {
        server = FakeApiServer.start(0);
        DemoCluster.objects(variant).forEach(server.store()::put);
        return new ClusterReader(KubeClients.fromKubeconfig(server.writeKubeconfig(dir.resolve("kubeconfig"))));
    }

    private static Map<String, CheckResult> byId(DoctorReport r) {
        return r.checks().stream().collect(Collectors.toMap(CheckResult::id, Function.identity()));
    }

    private static DoctorReport clusterOnly(ClusterReader reader) {
        return Doctor.run(DoctorInputs.none().withCluster(reader, null).withSelection(Set.of(), Set.of("daemonsets.others")));
    }

    @Test
    void a_healthy_kube_proxy_free_cluster_passes() throws Exception {
        DoctorReport r = clusterOnly(serve(DemoCluster.Variant.KUBE_PROXY_FREE));
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(Set.of("daemonsets.kube-proxy-absent", "daemonsets.dataplane-ready", "cluster.annotation"), byId(r).keySet());
    }

    @Test
    void kube_proxy_still_running_fails_naming_its_namespace() throws Exception {
        DoctorReport r = clusterOnly(serve(DemoCluster.Variant.WITH_KUBE_PROXY));
        assertEquals(2, r.exitCode());
        CheckResult c = byId(r).get("daemonsets.kube-proxy-absent");
        assertEquals(ProbeStatus.FAIL, c.status());
        assertEquals("kube-proxy runs: kube-system/kube-proxy", c.observed());
    }

    @Test
    void a_dataplane_that_is_not_ready_fails() throws Exception {
        ClusterReader reader = serve(DemoCluster.Variant.KUBE_PROXY_FREE);
        JsonObject anetd = server.store().get(ResourceType.DAEMONSETS, "kube-system", "anetd").orElseThrow().deepCopy();
        anetd.getAsJsonObject("status").addProperty("numberReady", 2);
        anetd.getAsJsonObject("status").addProperty("numberAvailable", 2);
        server.store().put(anetd);
        CheckResult c = byId(clusterOnly(reader)).get("daemonsets.dataplane-ready");
        assertEquals(ProbeStatus.FAIL, c.status());
        assertEquals("kube-system/anetd 2/3 ready, 3 up to date, 2 available", c.observed());
    }

    @Test
    void forbidden_and_unreachable_apis_make_the_checks_unknown_with_the_reason() throws Exception {
        ClusterReader reader = serve(DemoCluster.Variant.KUBE_PROXY_FREE);
        server.faults().forbid("daemonsets");
        Map<String, CheckResult> forbidden = byId(clusterOnly(reader));
        assertEquals(ProbeStatus.UNKNOWN, forbidden.get("daemonsets.kube-proxy-absent").status());
        assertTrue(forbidden.get("daemonsets.kube-proxy-absent").observed().contains("kpf-doctor ClusterRole"), forbidden.toString());
        assertEquals(ProbeStatus.PASS, forbidden.get("cluster.annotation").status(), "the other checks still run");

        server.faults().allow("daemonsets");
        server.faults().down();
        DoctorReport down = clusterOnly(reader);
        assertTrue(down.checks().stream().allMatch(c -> c.status() == ProbeStatus.UNKNOWN), down.toString());
        assertEquals(3, down.exitCode(), "nothing useful ran");
    }

    @Test
    void the_daemon_set_table_agrees_with_kubectl() throws Exception {
        ClusterReader reader = serve(DemoCluster.Variant.WITH_KUBE_PROXY);
        boolean kubectl = List.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(":")).stream().anyMatch(d -> Files.isExecutable(Path.of(d, "kubectl")));
        if (!kubectl) fail("kubectl is needed for the cross-check (./run-tests installs it)");
        Process p = new ProcessBuilder("kubectl", "--kubeconfig", dir.resolve("kubeconfig").toString(), "get", "daemonsets", "--all-namespaces", "--no-headers")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        List<String> fromKubectl = out.lines().map(l -> String.join(" ", List.of(l.trim().split("\\s+")).subList(0, 7))).toList();
        List<String> fromDoctor = reader.daemonSets().items().stream().map(r -> String.join(" ", r.namespace(), r.name(), "" + r.desired(),
                "" + r.current(), "" + r.ready(), "" + r.upToDate(), "" + r.available())).toList();
        assertEquals(fromKubectl, fromDoctor);
    }
}
