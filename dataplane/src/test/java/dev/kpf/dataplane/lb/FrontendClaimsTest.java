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
    private static JsonObject service(String name, String externalIp, String clusterIp) {
        return JsonParser.parseString("""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "%s", "namespace": "app"},
                 "spec": {"type": "ClusterIP", "clusterIP": "%s", "externalIPs": [%s],
                          "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]}}
                """.formatted(name, clusterIp, externalIp == null ? "" : "\"" + externalIp + "\"")).getAsJsonObject();
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
            objects.put("a", service("a", "192.0.2.10", "10.96.0.10"));
            objects.put("a-slice", slice("a", "10.244.0.10"));
            objects.put("b", service("b", "192.0.2.10", "10.96.0.11"));
            objects.put("b-slice", slice("b", "10.244.0.11"));
            ClusterState both = decode(objects);
            assertFull(translator, incremental, both, "both claim 192.0.2.10:80");
            assertTrue(lines(incremental.table()).contains("192.0.2.10:80/TCP ExternalIP app/a"), lines(incremental.table()));
            if (release.equals("holder deleted")) {
                objects.remove("a");
                objects.remove("a-slice");
            } else {
                objects.put("a", service("a", null, "10.96.0.10"));
            }
            ClusterState released = decode(objects);
            assertFull(translator, incremental, released, release);
            assertTrue(lines(incremental.table()).contains("192.0.2.10:80/TCP ExternalIP app/b"), release + ": " + lines(incremental.table()));
        }
    }
}
