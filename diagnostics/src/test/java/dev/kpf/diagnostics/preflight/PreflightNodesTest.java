package dev.kpf.diagnostics.preflight;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.diagnostics.CheckResult;
import dev.kpf.probes.probe.ProbeStatus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The platform's OS and kernel rule applied to what each kubelet reports. */
class PreflightNodesTest {
    private static JsonObject node(String name, String os, String kernel) {
        return JsonParser.parseString("{\"metadata\":{\"name\":\"" + name + "\"},\"status\":{\"nodeInfo\":{\"osImage\":\"" + os
                + "\",\"kernelVersion\":\"" + kernel + "\"}}}").getAsJsonObject();
    }

    @Test
    void each_os_and_kernel_gets_the_platform_verdict() {
        record Case(String os, String kernel, PreflightNodes.Verdict verdict) {}
        for (Case c : List.of(
                new Case("Ubuntu 22.04.4 LTS", "5.15.0-91-generic", PreflightNodes.Verdict.OK),
                new Case("Ubuntu 20.04.6 LTS", "5.4.0-187-generic", PreflightNodes.Verdict.FAILS),
                new Case("Ubuntu 20.04.6 LTS", "5.15.0-91-generic", PreflightNodes.Verdict.OK),
                new Case("Red Hat Enterprise Linux 8.10 (Ootpa)", "4.18.0-553.8.1.el8_10.x86_64", PreflightNodes.Verdict.PROBES_DECIDE),
                new Case("Red Hat Enterprise Linux 9.4 (Plow)", "5.14.0-427.31.1.el9_4.x86_64", PreflightNodes.Verdict.PROBES_DECIDE),
                new Case("Red Hat Enterprise Linux Server 7.9 (Maipo)", "3.10.0-1160.el7.x86_64", PreflightNodes.Verdict.FAILS),
                new Case("Debian GNU/Linux 12 (bookworm)", "6.1.0-26-amd64", PreflightNodes.Verdict.UNSUPPORTED))) {
            assertEquals(c.verdict(), PreflightNodes.judge("n", c.os(), c.kernel()).verdict(), c.toString());
        }
    }

    @Test
    void an_old_ubuntu_node_fails_by_name_and_rhel_nodes_are_left_to_the_probes() {
        CheckResult r = PreflightNodes.check(List.of(node("node-a", "Ubuntu 22.04.4 LTS", "5.15.0-91-generic"),
                node("node-b", "Ubuntu 20.04.6 LTS", "5.4.0-187-generic"), node("node-c", "Red Hat Enterprise Linux 9.4 (Plow)", "5.14.0-427.31.1.el9_4.x86_64")));
        assertEquals(ProbeStatus.FAIL, r.status());
        assertEquals("1 of 3 nodes cannot run kube-proxy-free: node-b (Ubuntu 20.04.6 LTS, kernel 5.4.0-187-generic); "
                + "1 RHEL nodes: the feature probes decide (run `kpf probe` on each)", r.observed());
        assertEquals(ProbeStatus.PASS, PreflightNodes.check(List.of(node("node-a", "Ubuntu 22.04.4 LTS", "5.15.0-91-generic"))).status());
    }
}
