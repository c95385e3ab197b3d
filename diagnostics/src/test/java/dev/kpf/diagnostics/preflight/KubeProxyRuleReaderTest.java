package dev.kpf.diagnostics.preflight;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** kube-proxy's rules read back from iptables-save and nft output in the shape kube-proxy writes them (testdata/kube-proxy). */
class KubeProxyRuleReaderTest {
    private static String fixture(String name) throws Exception {
        return Files.readString(Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "kube-proxy", name));
    }

    private static final Set<String> WEB = Set.of("10.244.0.20:8080", "10.244.1.21:8080");

    @Test
    void iptables_mode_frontends_follow_svc_ext_svl_chains_to_their_dnat_targets() throws Exception {
        Map<String, Set<String>> f = KubeProxyRuleReader.iptables(fixture("iptables-save.txt")).frontends();
        assertEquals(Map.of(
                "10.96.0.10:53/UDP", Set.of("10.244.0.5:53", "10.244.1.6:53"),
                "10.96.0.30:80/TCP", WEB,
                "192.168.10.200:80/TCP", WEB,
                "*:30080/TCP", WEB,
                "10.96.7.7:80/TCP", Set.of()), f);
    }

    @Test
    void nftables_mode_frontends_follow_the_verdict_maps_to_their_dnat_targets() throws Exception {
        Map<String, Set<String>> f = KubeProxyRuleReader.nft(fixture("nft-kube-proxy.txt")).frontends();
        assertEquals(Map.of(
                "10.96.0.10:53/UDP", Set.of("10.244.0.5:53", "10.244.1.6:53"),
                "10.96.0.30:80/TCP", WEB,
                "192.168.10.200:80/TCP", WEB,
                "*:30080/TCP", WEB,
                "10.96.7.7:80/TCP", Set.of()), f);
    }

    @Test
    void quoted_comments_stay_one_token() {
        assertEquals(List.of("-A", "KUBE-SVC-X", "-m", "comment", "--comment", "ns/a b -> 1.2.3.4:80", "-j", "KUBE-SEP-Y"),
                KubeProxyRuleReader.tokens("-A KUBE-SVC-X -m comment --comment \"ns/a b -> 1.2.3.4:80\" -j KUBE-SEP-Y"));
    }
}
