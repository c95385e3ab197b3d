package dev.kpf.testdata.churn;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.IpFamily;
import dev.kpf.dataplane.model.Node;
import dev.kpf.dataplane.model.Service;
import dev.kpf.testdata.apiserver.ObjectStore;
import dev.kpf.testdata.apiserver.ResourceType;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link ClusterState} as the API server's objects (Services, EndpointSlices, Nodes), and a store kept equal to a
 * changing state: each {@link #publish} puts what changed and deletes what went, as controllers would.
 */
public final class ModelObjects {
    private final ObjectStore store;
    private Map<String, JsonObject> published = new HashMap<>();

    public ModelObjects(ObjectStore store) {
        this.store = store;
    }

    /** Makes the store hold {@code state}'s objects; returns how many were put or deleted. */
    public int publish(ClusterState state) {
        Map<String, JsonObject> next = new HashMap<>();
        for (Service s : state.services().values()) next.put("Service/" + s.namespace() + "/" + s.name(), service(s));
        for (EndpointSlice e : state.slices().values()) next.put("EndpointSlice/" + e.namespace() + "/" + e.name(), slice(e));
        for (Node n : state.nodes().values()) next.put("Node//" + n.name(), node(n));
        int changes = 0;
        for (Map.Entry<String, JsonObject> e : next.entrySet()) {
            if (!e.getValue().equals(published.get(e.getKey()))) {
                store.put(e.getValue().deepCopy());
                changes++;
            }
        }
        for (String key : published.keySet()) {
            if (next.containsKey(key)) continue;
            String[] k = key.split("/", 3);
            ResourceType r = k[0].equals("Service") ? ResourceType.SERVICES : k[0].equals("Node") ? ResourceType.NODES : ResourceType.ENDPOINTSLICES;
            store.delete(r, k[1].isEmpty() ? null : k[1], k[2]);
            changes++;
        }
        published = next;
        return changes;
    }

    private static JsonObject meta(String namespace, String name) {
        JsonObject m = new JsonObject();
        m.addProperty("name", name);
        if (namespace != null) m.addProperty("namespace", namespace);
        return m;
    }

    private static JsonArray strings(List<?> items) {
        JsonArray a = new JsonArray();
        for (Object o : items) a.add(o instanceof InetAddress i ? i.getHostAddress() : o.toString());
        return a;
    }

    static JsonObject service(Service s) {
        JsonObject spec = new JsonObject();
        spec.addProperty("type", switch (s.type()) {
            case CLUSTER_IP -> "ClusterIP";
            case NODE_PORT -> "NodePort";
            case LOAD_BALANCER -> "LoadBalancer";
            case EXTERNAL_NAME -> "ExternalName";
        });
        if (!s.clusterIps().isEmpty()) spec.addProperty("clusterIP", s.clusterIps().getFirst().getHostAddress());
        spec.add("clusterIPs", strings(s.clusterIps()));
        spec.add("ipFamilies", strings(s.clusterIps().stream().map(a -> IpFamily.of(a).name()).toList()));
        JsonArray ports = new JsonArray();
        for (Service.Port p : s.ports()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", p.name());
            o.addProperty("protocol", p.protocol().name());
            o.addProperty("port", p.port());
            if (p.nodePort() > 0) o.addProperty("nodePort", p.nodePort());
            ports.add(o);
        }
        spec.add("ports", ports);
        if (!s.externalIps().isEmpty()) spec.add("externalIPs", strings(s.externalIps()));
        if (!s.sourceRanges().isEmpty()) spec.add("loadBalancerSourceRanges", strings(s.sourceRanges()));
        if (s.clientIpAffinity()) {
            spec.addProperty("sessionAffinity", "ClientIP");
            JsonObject clientIp = new JsonObject();
            clientIp.addProperty("timeoutSeconds", s.affinityTimeoutSeconds());
            JsonObject config = new JsonObject();
            config.add("clientIP", clientIp);
            spec.add("sessionAffinityConfig", config);
        }
        if (s.hasNodePorts()) spec.addProperty("externalTrafficPolicy", s.externalPolicyLocal() ? "Local" : "Cluster");
        if (s.healthCheckNodePort() > 0) spec.addProperty("healthCheckNodePort", s.healthCheckNodePort());
        JsonObject o = new JsonObject();
        o.addProperty("apiVersion", "v1");
        o.addProperty("kind", "Service");
        o.add("metadata", meta(s.namespace(), s.name()));
        o.add("spec", spec);
        if (!s.loadBalancerIps().isEmpty()) {
            JsonArray ingress = new JsonArray();
            for (InetAddress a : s.loadBalancerIps()) {
                JsonObject i = new JsonObject();
                i.addProperty("ip", a.getHostAddress());
                ingress.add(i);
            }
            JsonObject lb = new JsonObject();
            lb.add("ingress", ingress);
            JsonObject status = new JsonObject();
            status.add("loadBalancer", lb);
            o.add("status", status);
        }
        return o;
    }

    static JsonObject slice(EndpointSlice e) {
        JsonObject m = meta(e.namespace(), e.name());
        JsonObject labels = new JsonObject();
        labels.addProperty("kubernetes.io/service-name", e.serviceName());
        m.add("labels", labels);
        JsonArray ports = new JsonArray();
        for (EndpointSlice.Port p : e.ports()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", p.name());
            o.addProperty("protocol", p.protocol().name());
            o.addProperty("port", p.port());
            ports.add(o);
        }
        JsonArray endpoints = new JsonArray();
        for (EndpointSlice.Endpoint ep : e.endpoints()) {
            JsonObject o = new JsonObject();
            o.add("addresses", strings(List.of(ep.address())));
            JsonObject c = new JsonObject();
            c.addProperty("ready", ep.ready());
            c.addProperty("serving", ep.serving());
            c.addProperty("terminating", ep.terminating());
            o.add("conditions", c);
            if (!ep.nodeName().isEmpty()) o.addProperty("nodeName", ep.nodeName());
            if (!ep.pod().isEmpty()) {
                JsonObject ref = new JsonObject();
                ref.addProperty("kind", "Pod");
                ref.addProperty("name", ep.pod().toString());
                ref.addProperty("namespace", e.namespace());
                o.add("targetRef", ref);
            }
            endpoints.add(o);
        }
        JsonObject o = new JsonObject();
        o.addProperty("apiVersion", "discovery.k8s.io/v1");
        o.addProperty("kind", "EndpointSlice");
        o.add("metadata", m);
        o.addProperty("addressType", e.family().name());
        o.add("ports", ports);
        o.add("endpoints", endpoints);
        return o;
    }

    static JsonObject node(Node n) {
        JsonArray addresses = new JsonArray();
        for (InetAddress a : n.addresses()) {
            JsonObject o = new JsonObject();
            o.addProperty("type", "InternalIP");
            o.addProperty("address", a.getHostAddress());
            addresses.add(o);
        }
        JsonObject status = new JsonObject();
        status.add("addresses", addresses);
        JsonObject o = new JsonObject();
        o.addProperty("apiVersion", "v1");
        o.addProperty("kind", "Node");
        o.add("metadata", meta(null, n.name()));
        o.add("status", status);
        return o;
    }
}
