package dev.kpf.testdata.demo;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kpf.testdata.demo.Objects.arr;
import static dev.kpf.testdata.demo.Objects.meta;
import static dev.kpf.testdata.demo.Objects.obj;

/**
 * The embedded demo cluster: a small kube-proxy-free bare-metal cluster (three nodes in three zones, dual-stack)
 * with about thirty Services of every kind kpf translates, their EndpointSlices, the DaemonSets such a cluster
 * runs in kube-system (and no kube-proxy, unless {@link Variant#WITH_KUBE_PROXY}), and the
 * {@code baremetal.cluster.gke.io/v1} Cluster with the kube-proxy-free annotation. Deterministic.
 */
public final class DemoCluster {
    private DemoCluster() {}

    public enum Variant { KUBE_PROXY_FREE, WITH_KUBE_PROXY }

    public static final String ANNOTATION = "preview.baremetal.cluster.gke.io/kube-proxy-free";
    public static final List<String> NODES = List.of("node-a", "node-b", "node-c");
    public static final List<String> DATAPLANE_DAEMONSETS = List.of("anetd", "audit-proxy", "etcd-defrag", "gke-metrics-agent",
            "kube-control-plane-metrics-proxy", "localpv", "metallb-speaker", "node-exporter", "stackdriver-log-forwarder");
    private static final List<String> CONTROL_PLANE_ONLY = List.of("audit-proxy", "etcd-defrag", "kube-control-plane-metrics-proxy");
    static final String CREATED = "2026-11-20T08:00:00Z";

    public static List<JsonObject> objects(Variant variant) {
        List<JsonObject> out = new ArrayList<>();
        out.add(cluster());
        for (int i = 0; i < NODES.size(); i++) out.add(node(i));
        for (String ds : DATAPLANE_DAEMONSETS) out.add(daemonSet("kube-system", ds, CONTROL_PLANE_ONLY.contains(ds) ? 1 : 3, CONTROL_PLANE_ONLY.contains(ds)));
        if (variant == Variant.WITH_KUBE_PROXY) {
            out.add(daemonSet("kube-system", "kube-proxy", 3, false));
            for (String node : NODES) out.add(daemonSetPod("kube-system", "kube-proxy", node));
        }
        new Services(out).all();
        return out;
    }

    static JsonObject cluster() {
        JsonObject m = meta("cluster-demo", "demo");
        m.add("annotations", obj(ANNOTATION, "enable"));
        m.addProperty("creationTimestamp", CREATED);
        return obj("apiVersion", "baremetal.cluster.gke.io/v1", "kind", "Cluster", "metadata", m,
                "spec", obj("type", "hybrid", "anthosBareMetalVersion", "1.33.0",
                        "clusterNetwork", obj("pods", obj("cidrBlocks", arr("10.244.0.0/16", "fd00:244::/56")),
                                "services", obj("cidrBlocks", arr("10.96.0.0/20", "fd00:96::/108"))),
                        "controlPlane", obj("nodePoolSpec", obj("nodes", arr(obj("address", "192.168.10.11")))),
                        "loadBalancer", obj("mode", "bundled")));
    }

    static JsonObject node(int i) {
        String name = NODES.get(i);
        JsonObject m = meta(null, name);
        m.addProperty("creationTimestamp", CREATED);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("kubernetes.io/hostname", name);
        labels.put("topology.kubernetes.io/zone", "zone-" + (char) ('a' + i));
        if (i == 0) labels.put("node-role.kubernetes.io/control-plane", "");
        m.add("labels", Objects.json(labels));
        return obj("apiVersion", "v1", "kind", "Node", "metadata", m,
                "status", obj("addresses", arr(obj("type", "InternalIP", "address", "192.168.10." + (11 + i)),
                                obj("type", "InternalIP", "address", "fd00:10::" + (11 + i)), obj("type", "Hostname", "address", name)),
                        "conditions", arr(obj("type", "Ready", "status", "True")),
                        "nodeInfo", obj("kernelVersion", "5.15.0-91-generic", "osImage", "Ubuntu 22.04.4 LTS", "kubeletVersion", "v1.32.4-gke.1")));
    }

    static JsonObject daemonSet(String ns, String name, int count, boolean controlPlane) {
        JsonObject m = meta(ns, name);
        m.addProperty("creationTimestamp", CREATED);
        m.add("labels", obj("app", name));
        JsonObject podSpec = obj("containers", arr(obj("name", name, "image", "gcr.io/gke-on-prem-release/" + name + ":1.33.0")));
        if (controlPlane) podSpec.add("nodeSelector", obj("node-role.kubernetes.io/control-plane", ""));
        return obj("apiVersion", "apps/v1", "kind", "DaemonSet", "metadata", m,
                "spec", obj("selector", obj("matchLabels", obj("app", name)),
                        "template", obj("metadata", obj("labels", obj("app", name)), "spec", podSpec)),
                "status", obj("desiredNumberScheduled", count, "currentNumberScheduled", count, "numberReady", count,
                        "updatedNumberScheduled", count, "numberAvailable", count, "numberMisscheduled", 0, "observedGeneration", 1));
    }

    /** A running pod of a DaemonSet on one node, owned by the DaemonSet as the controller makes it. */
    public static JsonObject daemonSetPod(String ns, String daemonSet, String node) {
        JsonObject m = meta(ns, daemonSet + "-" + node);
        m.addProperty("creationTimestamp", CREATED);
        m.add("labels", obj("app", daemonSet));
        m.add("ownerReferences", arr(obj("apiVersion", "apps/v1", "kind", "DaemonSet", "name", daemonSet, "controller", true)));
        return obj("apiVersion", "v1", "kind", "Pod", "metadata", m,
                "spec", obj("nodeName", node, "hostNetwork", true,
                        "containers", arr(obj("name", daemonSet, "image", "gcr.io/gke-on-prem-release/" + daemonSet + ":1.33.0"))),
                "status", obj("phase", "Running"));
    }

    /** The demo's services and their slices. */
    private static final class Services {
        private final List<JsonObject> out;
        private int nextV4 = 100;

        Services(List<JsonObject> out) {
            this.out = out;
        }

        void all() {
            // kube-system
            svc("kube-system", "kube-dns", "ClusterIP", "10.96.0.10", null, ports("dns:53/UDP", "dns-tcp:53/TCP", "metrics:9153/TCP"), null);
            pods("kube-system", "kube-dns", ports("dns:53/UDP", "dns-tcp:53/TCP", "metrics:9153/TCP"), 2, false, null);
            simple("kube-system", "metrics-server", "https:443/TCP", "https:4443/TCP", 1);
            simple("kube-system", "kube-state-metrics", "http-metrics:8080/TCP", "http-metrics:8080/TCP", 1);
            JsonObject cache = svc("kube-system", "node-local-dns", "ClusterIP", "10.96.0.11", null, ports("dns:53/UDP", "dns-tcp:53/TCP"), null);
            cache.getAsJsonObject("spec").addProperty("internalTrafficPolicy", "Local");
            pods("kube-system", "node-local-dns", ports("dns:53/UDP", "dns-tcp:53/TCP"), 3, false, null);
            // default: the API server, a selector-less service with hand-made endpoints
            svc("default", "kubernetes", "ClusterIP", "10.96.0.1", null, ports("https:443/TCP"), null);
            slice("default", "kubernetes", "IPv4", ports("https:6443/TCP"), List.of(ep("192.168.10.11", "node-a", true, false)));
            // shop
            JsonObject fe = svc("shop", "frontend", "NodePort", "10.96.1.10", "fd00:96::110", ports("http:80/TCP"), null);
            nodePorts(fe, 30080);
            pods("shop", "frontend", ports("http:8080/TCP"), 3, true, null);
            simple("shop", "cart", "http:80/TCP", "http:8080/TCP", 2);
            svc("shop", "catalog", "ClusterIP", v4(), null, ports("web:80/TCP"), null);
            slice("shop", "catalog", "IPv4", ports("web:8080/TCP"), List.of(ep(pod(0, 40), "node-a", true, false)), "catalog-v1");
            slice("shop", "catalog", "IPv4", ports("web:9090/TCP"), List.of(ep(pod(1, 40), "node-b", true, false)), "catalog-v2");
            JsonObject checkout = svc("shop", "checkout", "LoadBalancer", v4(), null, ports("https:443/TCP"), "203.0.113.10");
            nodePorts(checkout, 31443);
            checkout.getAsJsonObject("spec").addProperty("externalTrafficPolicy", "Local");
            checkout.getAsJsonObject("spec").addProperty("healthCheckNodePort", 32010);
            pods("shop", "checkout", ports("https:8443/TCP"), 2, false, null);
            JsonObject payments = svc("shop", "payments", "ClusterIP", "10.96.1.20", "fd00:96::120", ports("grpc:9090/TCP"), null);
            payments.getAsJsonObject("spec").addProperty("sessionAffinity", "ClientIP");
            payments.getAsJsonObject("spec").add("sessionAffinityConfig", obj("clientIP", obj("timeoutSeconds", 600)));
            pods("shop", "payments", ports("grpc:9090/TCP"), 2, true, null);
            JsonObject recs = svc("shop", "recommendations", "ClusterIP", v4(), null, ports("grpc:8080/TCP"), null);
            recs.getAsJsonObject("metadata").add("annotations", obj("service.kubernetes.io/topology-mode", "Auto"));
            pods("shop", "recommendations", ports("grpc:8080/TCP"), 3, false, "hints");
            simple("shop", "currency", "grpc:7000/TCP", "grpc:7000/TCP", 2);
            simple("shop", "shipping", "http:50051/TCP", "http:50051/TCP", 2);
            svc("shop", "email", "ClusterIP", v4(), null, ports("smtp:25/TCP"), null);
            svc("shop", "ads", "ClusterIP", v4(), null, ports("http:9555/TCP"), null);
            slice("shop", "ads", "IPv4", ports("http:9555/TCP"), List.of(ep(pod(2, 55), "node-c", false, true)));
            // data
            svc("data", "postgres", "ClusterIP", "None", null, ports("pg:5432/TCP"), null);
            pods("data", "postgres", ports("pg:5432/TCP"), 2, false, null);
            simple("data", "postgres-primary", "pg:5432/TCP", "pg:5432/TCP", 1);
            simple("data", "redis", "redis:6379/TCP", "redis:6379/TCP", 3);
            JsonObject search = obj("apiVersion", "v1", "kind", "Service", "metadata", created(meta("data", "search")),
                    "spec", obj("type", "ExternalName", "externalName", "search.example.test"));
            out.add(search);
            svc("data", "kafka", "ClusterIP", v4(), null, ports("plain:9092/TCP", "tls:9093/TCP"), null);
            pods("data", "kafka", ports("plain:9092/TCP", "tls:9093/TCP"), 3, false, null);
            JsonObject minio = svc("data", "minio", "LoadBalancer", v4(), null, ports("s3:9000/TCP"), "203.0.113.20");
            nodePorts(minio, 30900);
            minio.getAsJsonObject("spec").add("loadBalancerSourceRanges", arr("192.0.2.0/24", "198.51.100.0/24"));
            pods("data", "minio", ports("s3:9000/TCP"), 2, false, null);
            // monitoring
            simple("monitoring", "prometheus", "web:9090/TCP", "web:9090/TCP", 1);
            JsonObject grafana = svc("monitoring", "grafana", "LoadBalancer", v4(), null, ports("http:80/TCP"), "203.0.113.30");
            nodePorts(grafana, 30300);
            pods("monitoring", "grafana", ports("http:3000/TCP"), 1, false, null);
            JsonObject am = svc("monitoring", "alertmanager", "ClusterIP", v4(), null, ports("web:9093/TCP"), null);
            am.getAsJsonObject("spec").addProperty("sessionAffinity", "ClientIP");
            pods("monitoring", "alertmanager", ports("web:9093/TCP"), 2, false, null);
            // ingress: dual-stack LoadBalancer with external IPs and local traffic policy
            JsonObject nginx = svc("ingress", "ingress-nginx", "LoadBalancer", "10.96.2.10", "fd00:96::210", ports("http:80/TCP", "https:443/TCP"), "203.0.113.40");
            nodePorts(nginx, 30880, 30443);
            nginx.getAsJsonObject("spec").addProperty("externalTrafficPolicy", "Local");
            nginx.getAsJsonObject("spec").addProperty("healthCheckNodePort", 32100);
            nginx.getAsJsonObject("spec").add("externalIPs", arr("198.51.100.40"));
            nginx.getAsJsonObject("status").getAsJsonObject("loadBalancer").getAsJsonArray("ingress").add(obj("ip", "2001:db8:40::1"));
            pods("ingress", "ingress-nginx", ports("http:80/TCP", "https:443/TCP"), 2, true, null);
            simple("ingress", "ingress-nginx-admission", "webhook:443/TCP", "webhook:8443/TCP", 1);
            simple("metallb-system", "metallb-webhook", "webhook:443/TCP", "webhook:9443/TCP", 1);
            // edge
            JsonObject legacy = svc("edge", "legacy-gateway", "ClusterIP", v4(), null, ports("https:8443/TCP"), null);
            legacy.getAsJsonObject("spec").add("externalIPs", arr("198.51.100.50"));
            pods("edge", "legacy-gateway", ports("https:8443/TCP"), 2, false, null);
            svc("edge", "sip-proxy", "ClusterIP", v4(), null, ports("sip:5060/UDP", "sip-tcp:5060/TCP", "sigtran:2905/SCTP"), null);
            pods("edge", "sip-proxy", ports("sip:5060/UDP", "sip-tcp:5060/TCP", "sigtran:2905/SCTP"), 2, false, null);
            JsonObject other = svc("edge", "mesh-gateway", "ClusterIP", v4(), null, ports("http:80/TCP"), null);
            other.getAsJsonObject("metadata").add("labels", obj("service.kubernetes.io/service-proxy-name", "mesh-proxy"));
        }

        private String v4() {
            return "10.96.3." + (nextV4++);
        }

        private static String pod(int node, int n) {
            return "10.244." + (node + 1) + "." + n;
        }

        private static String pod6(int node, int n) {
            return "fd00:244:" + (node + 1) + "::" + Integer.toHexString(n);
        }

        private static JsonObject created(JsonObject meta) {
            meta.addProperty("creationTimestamp", CREATED);
            return meta;
        }

        private static List<String[]> ports(String... specs) {
            List<String[]> out = new ArrayList<>();
            for (String s : specs) {
                String[] a = s.split("[:/]");
                out.add(a);
            }
            return out;
        }

        private void simple(String ns, String name, String svcPort, String podPort, int replicas) {
            svc(ns, name, "ClusterIP", v4(), null, ports(svcPort), null);
            pods(ns, name, ports(podPort), replicas, false, null);
        }

        private JsonObject svc(String ns, String name, String type, String ip, String ip6, List<String[]> ports, String lbIp) {
            JsonArray p = new JsonArray();
            for (String[] port : ports) p.add(obj("name", port[0], "port", Integer.parseInt(port[1]), "protocol", port[2]));
            JsonArray ips = ip6 == null ? arr(ip) : arr(ip, ip6);
            JsonObject spec = obj("type", type, "clusterIP", ip, "clusterIPs", ips,
                    "ipFamilies", ip6 == null ? arr("IPv4") : arr("IPv4", "IPv6"),
                    "ipFamilyPolicy", ip6 == null ? "SingleStack" : "PreferDualStack", "ports", p,
                    "selector", obj("app", name), "sessionAffinity", "None");
            JsonObject status = obj("loadBalancer", lbIp == null ? new JsonObject() : obj("ingress", arr(obj("ip", lbIp, "ipMode", "VIP"))));
            JsonObject s = obj("apiVersion", "v1", "kind", "Service", "metadata", created(meta(ns, name)), "spec", spec, "status", status);
            out.add(s);
            return s;
        }

        private static void nodePorts(JsonObject svc, int... nodePorts) {
            JsonArray ports = svc.getAsJsonObject("spec").getAsJsonArray("ports");
            for (int i = 0; i < nodePorts.length && i < ports.size(); i++) ports.get(i).getAsJsonObject().addProperty("nodePort", nodePorts[i]);
        }

        private void pods(String ns, String name, List<String[]> ports, int replicas, boolean dualStack, String hints) {
            int base = Math.abs(name.hashCode() % 200) + 2;
            List<JsonObject> v4 = new ArrayList<>(), v6 = new ArrayList<>();
            for (int r = 0; r < replicas; r++) {
                int node = r % NODES.size();
                JsonObject e = ep(pod(node, base + r), NODES.get(node), true, false);
                e.add("targetRef", obj("kind", "Pod", "namespace", ns, "name", name + "-7d9f8-" + (char) ('a' + r) + "x" + r));
                if (hints != null) e.add("hints", obj("forZones", arr(obj("name", "zone-" + (char) ('a' + node)))));
                v4.add(e);
                if (dualStack) v6.add(ep(pod6(node, base + r), NODES.get(node), true, false));
            }
            slice(ns, name, "IPv4", ports, v4);
            if (dualStack) slice(ns, name, "IPv6", ports, v6, name + "-v6");
        }

        private static JsonObject ep(String ip, String node, boolean ready, boolean terminating) {
            int n = NODES.indexOf(node);
            return obj("addresses", arr(ip), "conditions", obj("ready", ready, "serving", ready || terminating, "terminating", terminating),
                    "nodeName", node, "zone", "zone-" + (char) ('a' + Math.max(0, n)));
        }

        private void slice(String ns, String service, String family, List<String[]> ports, List<JsonObject> endpoints) {
            slice(ns, service, family, ports, endpoints, service + "-" + (family.equals("IPv4") ? "v4" : "v6"));
        }

        private void slice(String ns, String service, String family, List<String[]> ports, List<JsonObject> endpoints, String name) {
            JsonArray p = new JsonArray();
            for (String[] port : ports) p.add(obj("name", port[0], "port", Integer.parseInt(port[1]), "protocol", port[2]));
            JsonObject m = created(meta(ns, name));
            m.add("labels", obj("kubernetes.io/service-name", service, "endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"));
            JsonArray eps = new JsonArray();
            endpoints.forEach(eps::add);
            out.add(obj("apiVersion", "discovery.k8s.io/v1", "kind", "EndpointSlice", "metadata", m, "addressType", family, "ports", p, "endpoints", eps));
        }
    }
}
