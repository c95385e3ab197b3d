package dev.kpf.dataplane.bpf;

import dev.kpf.probes.KernelRequirement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The Java codecs have the sizes and field offsets of kpf_sock.h's structs, measured by compiling C against it. */
class MapLayoutTest {
    @Test
    void codecs_match_the_c_structs(@TempDir Path dir) throws Exception {
        KernelRequirement.requireCommand("clang");
        Path header = Path.of("src/main/bpf/kpf_sock.h").toAbsolutePath();
        String c = """
                #include <stdio.h>
                #include <stddef.h>
                #include "%s"
                #define S(T) printf(#T " %%zu\\n", sizeof(struct T));
                #define O(T, F) printf(#T "." #F " %%zu\\n", offsetof(struct T, F));
                int main(void) {
                  S(kpf_svc4_key) S(kpf_svc6_key) S(kpf_svc_value) S(kpf_backend4) S(kpf_backend6) S(kpf_revnat4) S(kpf_revnat6)
                  S(kpf_stat_key) S(kpf_stat_value) S(kpf_name) S(kpf_aff_member_key) S(kpf_gone_key) O(kpf_gone_key, port) O(kpf_gone_key, family) O(kpf_gone_key, addr) S(kpf_affinity_key) S(kpf_affinity_value) O(kpf_affinity_key, rev_nat_id) O(kpf_affinity_value, backend_id)
                  O(kpf_svc4_key, port) O(kpf_svc4_key, proto) O(kpf_svc4_key, scope) O(kpf_svc4_key, slot)
                  O(kpf_svc6_key, port) O(kpf_svc6_key, proto) O(kpf_svc6_key, scope) O(kpf_svc6_key, slot)
                  O(kpf_svc_value, count) O(kpf_svc_value, rev_nat_id) O(kpf_svc_value, flags) O(kpf_svc_value, affinity_timeout)
                  O(kpf_backend6, port) O(kpf_backend6, proto) O(kpf_backend6, flags) O(kpf_revnat6, port)
                  S(kpf_tc_config) S(kpf_srcrange4_key) S(kpf_maglev) S(kpf_ct_key) S(kpf_ct_value) S(kpf_rodata) O(kpf_rodata, has_set_retval)
                  O(kpf_tc_config, snat6) O(kpf_tc_config, port_min) O(kpf_tc_config, port_max) O(kpf_tc_config, tcp_timeout_s)
                  O(kpf_tc_config, udp_timeout_s) O(kpf_tc_config, closing_timeout_s)
                  O(kpf_ct_key, sport) O(kpf_ct_key, dport) O(kpf_ct_key, proto) O(kpf_ct_key, family) O(kpf_ct_value, port) O(kpf_ct_value, port2) O(kpf_ct_value, rev_nat_id)
                  O(kpf_ct_value, flags) O(kpf_ct_value, family) O(kpf_ct_value, last_ns) O(kpf_ct_value, created_ns)
                  printf("ct_flags %%d%%d%%d\\n", KPF_CT_SNAT, KPF_CT_REPLY, KPF_CT_CLOSING);
                  printf("tc_events %%d\\n", KPF_EV_COUNT);
                  printf("ct_timeouts %%d%%06d%%03d\\n", KPF_CT_TCP_TIMEOUT_S, KPF_CT_UDP_TIMEOUT_S, KPF_CT_CLOSING_TIMEOUT_S);
                  printf("ev_conntrack_full %%d\\nev_snat_ports_exhausted %%d\\nev_fragments_dropped %%d\\nev_icmp_translated %%d\\nev_snat_ports_reused %%d\\n",
                         KPF_EV_CT_FULL, KPF_EV_PORTS_EXHAUSTED, KPF_EV_FRAGMENT, KPF_EV_ICMP, KPF_EV_PORT_REUSED);
                  O(kpf_srcrange4_key, faddr) O(kpf_srcrange4_key, fport) O(kpf_srcrange4_key, proto) O(kpf_srcrange4_key, saddr)
                  S(kpf_trace_config) S(kpf_trace_event) O(kpf_trace_config, owners) O(kpf_trace_config, lost)
                  O(kpf_trace_event, time_ns) O(kpf_trace_event, cgroup_id) O(kpf_trace_event, netns_cookie) O(kpf_trace_event, socket_cookie)
                  O(kpf_trace_event, pid) O(kpf_trace_event, backend_id) O(kpf_trace_event, rev_nat_id) O(kpf_trace_event, family)
                  O(kpf_trace_event, proto) O(kpf_trace_event, hook) O(kpf_trace_event, outcome) O(kpf_trace_event, vip_port)
                  O(kpf_trace_event, backend_port) O(kpf_trace_event, vip) O(kpf_trace_event, backend) O(kpf_trace_event, comm)
                  printf("trace_slots %%d\\n", KPF_TRACE_SLOTS);
                  printf("trace_ring %%d\\n", KPF_TRACE_RING_BYTES);
                  printf("hooks %%d%%d%%d%%d\\n", KPF_HOOK_CONNECT, KPF_HOOK_SENDMSG, KPF_HOOK_RECVMSG, KPF_HOOK_GETPEERNAME);
                  printf("outcomes %%d%%d%%d%%d\\n", KPF_TRACE_TRANSLATED, KPF_TRACE_AFFINITY, KPF_TRACE_REFUSED, KPF_TRACE_NOT_SERVICE);
                  printf("maglev_m %%d\\n", KPF_MAGLEV_M);
                  printf("srcrange_bits %%d\\n", KPF_SRCRANGE4_FRONTEND_BITS);
                  printf("svc_source_ranges %%u\\n", KPF_SVC_SOURCE_RANGES);
                  printf("svc_maglev %%u\\n", KPF_SVC_MAGLEV);
                  printf("version %%d\\n", KPF_LAYOUT_VERSION);
                  return 0;
                }
                """.formatted(header);
        Path src = dir.resolve("layout.c");
        Files.writeString(src, c);
        run(List.of("clang", "-I/usr/include/" + System.getProperty("os.arch").replace("amd64", "x86_64") + "-linux-gnu",
                "-o", dir.resolve("layout").toString(), src.toString()));
        Map<String, Long> m = new HashMap<>();
        run(List.of(dir.resolve("layout").toString())).lines().forEach(l -> m.put(l.split(" ")[0], Long.parseLong(l.split(" ")[1])));

        assertEquals(m.get("kpf_svc4_key"), (long) Codecs.svcKey(4).size());
        assertEquals(m.get("kpf_svc6_key"), (long) Codecs.svcKey(16).size());
        assertEquals(m.get("kpf_svc_value"), (long) Codecs.SVC_VALUE.size());
        assertEquals(m.get("kpf_backend4"), (long) Codecs.backend(4).size());
        assertEquals(m.get("kpf_backend6"), (long) Codecs.backend(16).size());
        assertEquals(m.get("kpf_revnat4"), (long) Codecs.revNat(4).size());
        assertEquals(m.get("kpf_revnat6"), (long) Codecs.revNat(16).size());
        assertEquals(m.get("kpf_stat_key"), (long) Codecs.STAT_KEY.size());
        assertEquals(m.get("kpf_aff_member_key"), (long) Codecs.MEMBER_KEY.size());
        assertEquals(m.get("kpf_gone_key"), (long) Codecs.GONE_KEY.size());
        assertEquals(List.of(4L, 6L, 8L), List.of(m.get("kpf_gone_key.port"), m.get("kpf_gone_key.family"), m.get("kpf_gone_key.addr")));
        assertEquals(m.get("kpf_affinity_key"), (long) Codecs.AFFINITY_KEY.size());
        assertEquals(m.get("kpf_affinity_value"), (long) Codecs.AFFINITY_VALUE.size());
        assertEquals(8L, m.get("kpf_affinity_key.rev_nat_id"));
        assertEquals(8L, m.get("kpf_affinity_value.backend_id"));
        assertEquals(m.get("kpf_stat_value"), 16L);
        assertEquals(m.get("kpf_name"), (long) MapLayout.NAME_BYTES);
        // the offsets the codecs write at
        assertEquals(List.of(4L, 6L, 7L, 8L), List.of(m.get("kpf_svc4_key.port"), m.get("kpf_svc4_key.proto"), m.get("kpf_svc4_key.scope"), m.get("kpf_svc4_key.slot")));
        assertEquals(List.of(16L, 18L, 19L, 20L), List.of(m.get("kpf_svc6_key.port"), m.get("kpf_svc6_key.proto"), m.get("kpf_svc6_key.scope"), m.get("kpf_svc6_key.slot")));
        assertEquals(List.of(4L, 6L, 8L, 12L), List.of(m.get("kpf_svc_value.count"), m.get("kpf_svc_value.rev_nat_id"), m.get("kpf_svc_value.flags"), m.get("kpf_svc_value.affinity_timeout")));
        assertEquals(List.of(16L, 18L, 19L, 16L), List.of(m.get("kpf_backend6.port"), m.get("kpf_backend6.proto"), m.get("kpf_backend6.flags"), m.get("kpf_revnat6.port")));
        // the tc datapath's structs and constants
        assertEquals(m.get("kpf_srcrange4_key"), (long) Codecs.SRC_RANGE4_KEY.size());
        assertEquals(List.of(4L, 8L, 10L, 11L), List.of(m.get("kpf_srcrange4_key.faddr"), m.get("kpf_srcrange4_key.fport"),
                m.get("kpf_srcrange4_key.proto"), m.get("kpf_srcrange4_key.saddr")));
        assertEquals(m.get("kpf_maglev"), (long) Codecs.MAGLEV.size());
        assertEquals((long) dev.kpf.dataplane.lb.Maglev.M, m.get("maglev_m"));
        assertEquals((long) MapLayout.SRC_RANGE4_FRONTEND_BITS, m.get("srcrange_bits"));
        assertEquals(List.of((long) MapLayout.SVC_SOURCE_RANGES, (long) MapLayout.SVC_MAGLEV), List.of(m.get("svc_source_ranges"), m.get("svc_maglev")));
        assertEquals(List.of((long) MapLayout.RODATA_BYTES, 4L), List.of(m.get("kpf_rodata"), m.get("kpf_rodata.has_set_retval")), "what the datapath writes to .rodata");
        assertEquals(m.get("kpf_ct_key"), (long) ConntrackCodecs.KEY.size());
        assertEquals(m.get("kpf_ct_value"), (long) ConntrackCodecs.VALUE.size());
        assertEquals(List.of(32L, 34L, 36L, 37L), List.of(m.get("kpf_ct_key.sport"), m.get("kpf_ct_key.dport"), m.get("kpf_ct_key.proto"), m.get("kpf_ct_key.family")));
        assertEquals(List.of(32L, 34L, 36L, 38L, 39L, 40L, 48L), List.of(m.get("kpf_ct_value.port"), m.get("kpf_ct_value.port2"), m.get("kpf_ct_value.rev_nat_id"),
                m.get("kpf_ct_value.flags"), m.get("kpf_ct_value.family"), m.get("kpf_ct_value.last_ns"), m.get("kpf_ct_value.created_ns")));
        assertEquals((long) (ConntrackCodecs.SNAT * 100 + ConntrackCodecs.REPLY * 10 + ConntrackCodecs.CLOSING), m.get("ct_flags"));
        assertEquals((long) TcEvent.SLOTS, m.get("tc_events"));
        ConntrackConfig d = ConntrackConfig.DEFAULT;
        assertEquals(d.tcpTimeout().toSeconds() * 1_000_000_000L + d.udpTimeout().toSeconds() * 1000 + d.closingTimeout().toSeconds(), m.get("ct_timeouts"),
                "the programs' fallback timeouts are the agent's defaults");
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), java.util.Arrays.stream(TcEvent.values()).map(e -> m.get("ev_" + e.metric())).toList(), "the events' indexes");
        assertEquals(m.get("kpf_tc_config"), (long) Codecs.TC_CONFIG.size());
        assertEquals(List.of(16L, 32L, 34L, 36L, 40L, 44L), List.of(m.get("kpf_tc_config.snat6"), m.get("kpf_tc_config.port_min"), m.get("kpf_tc_config.port_max"),
                m.get("kpf_tc_config.tcp_timeout_s"), m.get("kpf_tc_config.udp_timeout_s"), m.get("kpf_tc_config.closing_timeout_s")));
        assertEquals((long) MapLayout.VERSION, m.get("version"));
        // tracing
        dev.kpf.dataplane.trace.TraceLayout.check(m);
    }

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) fail("timed out: " + cmd);
        if (p.exitValue() != 0) fail(cmd + ": " + out);
        return out;
    }

    @Test
    void names_are_cut_to_what_kpf_names_holds_without_splitting_a_character() {
        assertEquals("ClusterIP\tt/a:p\tTCP", MapLayout.fitName("ClusterIP\tt/a:p\tTCP"), "short names stay whole");
        String cut = MapLayout.fitName("x".repeat(126) + "\u00e9\u00e9");
        assertEquals("x".repeat(126), cut, "the two-byte character at bytes 127-128 is left out whole");
        assertTrue(MapLayout.fitName("y".repeat(300)).getBytes(StandardCharsets.UTF_8).length == MapLayout.NAME_BYTES - 1);
    }
}
