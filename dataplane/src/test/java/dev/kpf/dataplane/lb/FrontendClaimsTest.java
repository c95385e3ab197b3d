package dev.kpf.dataplane.lb;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.model.ClusterState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Services that claim one frontend (the same external IP and port): the one first in namespace/name order holds
 * it, the other is reported. When the holder lets the frontend go (deleted, or its external IP removed), the waiting
 * Service gets it at the same sync, as a full translation would give it, not only when that Service changes itself.
 */
class FrontendClaimsTest {
    private static JsonObject service(String name, List<String> externalIps, String clusterIp) {
        String ips = String.join(", ", externalIps.stream().map(ip -> "\"" + ip + "\"").toList());
        return JsonParser.parseString("""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "%s", "namespace": "app"},
                 "spec": {"type": "ClusterIP", "clusterIP": "%s", "externalIPs": [%s],
                          "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]}}
                """.formatted(name, clusterIp, ips)).getAsJsonObject();
    }

    private static JsonObject slice(String service, String ip) {
        return JsonParser.parseString("""
                {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                 "metadata": {"name": "%s-1", "namespace": "app", "labels": {"kubernetes.io/service-name": "%s"}},
                 "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
                 "endpoints": [{"addresses": ["%s"], "conditions": {"ready": true}, "nodeName": "node-a"}]}
                """.formatted(service, service, ip)).getAsJsonObject();
    }

    private static ClusterState decode(Map<String, JsonObject> objects) {
        List<SourceDocument> docs = new ArrayList<>();
        objects.forEach((key, o) -> docs.add(new SourceDocument(o, key)));
        return DirectoryLoader.decode(docs, new ArrayList<>());
    }

    private static String lines(LbTable table) {
        return String.join("\n", table.entries().values().stream().map(LbEntry::line).toList());
    }

    private static void assertFull(ServiceTranslator translator, IncrementalTranslator incremental, ClusterState state, String when) {
        incremental.load(state);
        incremental.sync();
        String full = lines(translator.translate(state));
        assertEquals(full, lines(incremental.table()), when);
    }

    @Test
    void the_waiting_service_gets_the_frontend_when_its_holder_lets_it_go() {
        ServiceTranslator translator = new ServiceTranslator("node-a");
        for (String release : List.of("holder deleted", "holder drops its external IP")) {
            IncrementalTranslator incremental = new IncrementalTranslator(translator);
            Map<String, JsonObject> objects = new LinkedHashMap<>();
            objects.put("a", service("a", List.of("192.0.2.10"), "10.96.0.10"));
            objects.put("a-slice", slice("a", "10.244.0.10"));
            objects.put("b", service("b", List.of("192.0.2.10"), "10.96.0.11"));
            objects.put("b-slice", slice("b", "10.244.0.11"));
            ClusterState both = decode(objects);
            assertFull(translator, incremental, both, "both claim 192.0.2.10:80");
            assertTrue(lines(incremental.table()).contains("192.0.2.10:80/TCP ExternalIP app/a"), lines(incremental.table()));
            if (release.equals("holder deleted")) {
                objects.remove("a");
                objects.remove("a-slice");
            } else {
                objects.put("a", service("a", List.of(), "10.96.0.10"));
            }
            ClusterState released = decode(objects);
            assertFull(translator, incremental, released, release);
            assertTrue(lines(incremental.table()).contains("192.0.2.10:80/TCP ExternalIP app/b"), release + ": " + lines(incremental.table()));
        }
    }

    /**
     * Seeded random churn over six Services sharing three external IPs (external IPs changed, Services deleted and
     * added back), one change at a time. After every sync: every frontend a full translation serves, the incremental
     * table serves too, and nothing else; and each of its entries is one its own Service would have, that is, it went
     * to one of the frontend's claimants, as it is now.
     */
    @Test
    void under_random_claims_every_claimed_frontend_is_served_by_one_of_its_claimants() {
        String[] pool = {"192.0.2.10", "192.0.2.11", "192.0.2.12"};
        ServiceTranslator translator = new ServiceTranslator("node-a");
        int contested = 0;
        for (long seed = 1; seed <= 10; seed++) {
            java.util.Random r = new java.util.Random(seed);
            IncrementalTranslator incremental = new IncrementalTranslator(translator);
            Map<String, JsonObject> objects = new java.util.TreeMap<>();
            for (int step = 0; step < 200; step++) {
                int n = r.nextInt(6);
                String name = "s" + n;
                if (r.nextInt(5) == 0) {
                    objects.remove(name);
                    objects.remove(name + "-slice");
                } else {
                    List<String> ips = new ArrayList<>();
                    for (String ip : pool) if (r.nextInt(3) == 0) ips.add(ip);
                    objects.put(name, service(name, ips, "10.96.0." + (10 + n)));
                    objects.put(name + "-slice", slice(name, "10.244.0." + (10 + n)));
                }
                ClusterState state = decode(objects);
                incremental.load(state);
                incremental.sync();
                LbTable full = translator.translate(state);
                LbTable kept = incremental.table();
                String what = "seed " + seed + " step " + step + ":\n" + lines(kept) + "\nfull:\n" + lines(full);
                assertEquals(full.entries().keySet(), kept.entries().keySet(), "every claimed frontend is served: " + what);
                for (LbEntry e : kept.entries().values()) {
                    dev.kpf.dataplane.model.Service svc = state.services().get(e.service());
                    List<dev.kpf.dataplane.model.EndpointSlice> own = state.slices().values().stream()
                            .filter(x -> x.serviceName().equals(e.service().name())).toList();
                    assertTrue(svc != null && translator.translateService(svc, own, state.node("node-a"), new ArrayList<>()).contains(e),
                            "the entry for " + e.frontend() + " is its claimant's as it is now: " + what);
                    if (!full.entries().get(e.frontend()).service().equals(e.service())) contested++;
                }
            }
        }
        // not vacuous: some frontends went to a claimant other than the one a full translation picks (history counts)
        assertTrue(contested > 0, "entries held by a claimant other than the full translation's: " + contested);
    }
}
