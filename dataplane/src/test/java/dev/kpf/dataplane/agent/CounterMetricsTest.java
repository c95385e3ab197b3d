package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.bpf.Counters;
import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.FrontendType;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.model.Protocol;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The programs' counters as Prometheus metrics: per Service port, frontends summed, labels bounded. */
class CounterMetricsTest {
    private static InetAddress ip(int a, int b) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, 96, (byte) a, (byte) b});
    }

    private static LbEntry entry(Frontend f, FrontendType type, String name) {
        return new LbEntry(f, type, ObjectRef.service("ns", name), "http", List.<Backend>of(), 0, List.of(), false, false, 0);
    }

    @Test
    void frontends_of_a_service_port_are_summed_and_labels_stop_at_the_bound() throws Exception {
        TreeMap<Frontend, LbEntry> entries = new TreeMap<>();
        Map<Frontend, Counters.Count> frontends = new HashMap<>();
        Map<String, Counters.Count> backends = new HashMap<>();
        int services = CounterMetrics.MAX_SERVICES + 5;
        for (int i = 0; i < services; i++) {
            Frontend cluster = new Frontend(ip(i / 250, i % 250), 80, Protocol.TCP, Scope.EXTERNAL);
            entries.put(cluster, entry(cluster, FrontendType.CLUSTER_IP, String.format("svc-%05d", i)));
            frontends.put(cluster, new Counters.Count(10, 1));
        }
        // svc-00000 also has a NodePort frontend: one series for both
        Frontend nodePort = new Frontend(InetAddress.getByName("192.168.10.11"), 30080, Protocol.TCP, Scope.EXTERNAL);
        entries.put(nodePort, entry(nodePort, FrontendType.NODE_PORT, "svc-00000"));
        frontends.put(nodePort, new Counters.Count(5, 0));
        for (int i = 0; i < CounterMetrics.MAX_BACKENDS + 3; i++) backends.put("10.244.0." + i + ":8080/TCP", new Counters.Count(2, 0));

        AgentMetrics metrics = new AgentMetrics();
        metrics.exportCounters(() -> new Counters(frontends, backends), () -> new LbTable(entries, List.of()));
        String text = metrics.scrape();

        assertTrue(text.contains("kpf_service_connects_total{protocol=\"TCP\",service=\"ns/svc-00000:http\"} 15.0"), "ClusterIP + NodePort summed");
        assertTrue(text.contains("kpf_service_refused_total{protocol=\"TCP\",service=\"ns/svc-00001:http\"} 1.0"));
        long serviceSeries = text.lines().filter(l -> l.startsWith("kpf_service_connects_total{")).count();
        assertEquals(CounterMetrics.MAX_SERVICES + 1, serviceSeries, "bounded, plus one (other) series");
        assertTrue(text.contains("kpf_service_connects_total{protocol=\"TCP\",service=\"(other)\"} 50.0"), "the 5 beyond the bound, summed");
        assertEquals(CounterMetrics.MAX_BACKENDS + 1, text.lines().filter(l -> l.startsWith("kpf_backend_connects_total{")).count());
        assertTrue(text.contains("kpf_backend_connects_total{backend=\"(other)\",protocol=\"TCP\"} 6.0"), text.lines().filter(l -> l.contains("(other)")).toList().toString());
    }
}
