package dev.kpf.testdata.scale;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory bench's cluster is the benchmarks' cluster with what a real node's agent also keeps per endpoint: a
 * targetRef naming the endpoint's pod, in the Service's namespace, named as a Deployment's pods are.
 */
class ScaleClusterPodRefsTest {
    @Test
    void every_endpoint_names_its_own_pod_and_nothing_else_changes() {
        List<JsonObject> plain = ScaleCluster.generate(200, 7, 0.2, 3).objects();
        List<JsonObject> withPods = ScaleCluster.withPodRefs(200, 7, 0.2, 3).objects();
        assertEquals(plain.size(), withPods.size());
        Set<String> podNames = new HashSet<>();
        java.util.Map<String, List<String>> podsByService = new java.util.HashMap<>();
        int endpoints = 0;
        for (int i = 0; i < plain.size(); i++) {
            JsonObject a = plain.get(i), b = withPods.get(i).deepCopy();
            if (b.get("kind").getAsString().equals("EndpointSlice")) {
                String ns = b.getAsJsonObject("metadata").get("namespace").getAsString();
                String service = b.getAsJsonObject("metadata").getAsJsonObject("labels").get("kubernetes.io/service-name").getAsString();
                for (JsonElement e : b.getAsJsonArray("endpoints")) {
                    JsonObject ref = e.getAsJsonObject().remove("targetRef").getAsJsonObject();
                    assertEquals("Pod", ref.get("kind").getAsString());
                    assertEquals(ns, ref.get("namespace").getAsString());
                    String name = ref.get("name").getAsString();
                    assertTrue(name.matches(service + "-[bcdfghjklmnpqrstvwxz2-9]{10}-[bcdfghjklmnpqrstvwxz2-9]{5}"), name);
                    podNames.add(b.get("addressType").getAsString() + " " + name);
                    podsByService.computeIfAbsent(b.get("addressType").getAsString() + " " + service, k -> new java.util.ArrayList<>()).add(name);
                    endpoints++;
                }
            }
            assertEquals(a, b, "apart from the targetRefs, object " + i + " is the same");
        }
        assertEquals(endpoints, podNames.size(), "each endpoint of a family names a pod of its own");
        int dualStack = 0;
        for (var e : podsByService.entrySet()) {
            if (!e.getKey().startsWith("IPv6 ")) continue;
            assertEquals(podsByService.get("IPv4 " + e.getKey().substring(5)), e.getValue(), "a dual-stack pod has both addresses");
            dualStack++;
        }
        assertTrue(dualStack > 0);
        assertTrue(endpoints >= 200 * 7);
    }
}
