package dev.kpf.dataplane.load;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.kpf.dataplane.model.Cidr;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.IpFamily;
import dev.kpf.dataplane.model.Node;
import dev.kpf.dataplane.model.PodName;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.dataplane.model.Protocol;
import dev.kpf.dataplane.model.Service;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Turns Kubernetes objects (JSON trees from files or the API) into the model. What is wrong is reported with the
 * object and its location and skipped at the smallest unit that makes sense (an address, a port, a range, or the
 * object when it cannot be used at all); everything else is kept.
 */
public final class ObjectDecoder {
    /** Kinds that are Kubernetes objects kpf has no use for in the Service table; skipped without a problem. */
    static final Set<String> IGNORED_KINDS = Set.of("DaemonSet", "Deployment", "ReplicaSet", "StatefulSet", "Pod",
            "Namespace", "ConfigMap", "Secret", "ServiceAccount", "Endpoints", "Event", "Lease", "Cluster", "Role",
            "RoleBinding", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Job", "CronJob",
            "NetworkPolicy", "Ingress", "PersistentVolume", "PersistentVolumeClaim", "StorageClass");

    /** What one object decoded into. */
    public sealed interface Decoded {
        record AService(Service service) implements Decoded {}
        record ASlice(EndpointSlice slice) implements Decoded {}
        record ANode(Node node) implements Decoded {}
        record Ignored(String kind) implements Decoded {}
        record Rejected() implements Decoded {}
    }

    private final List<Problem> problems = new ArrayList<>();
    private final UnaryOperator<String> knownNames;
    private final UnaryOperator<String> portNames;

    /** A decoder whose objects share their port names' instances with each other ({@link SharedStrings}). */
    public ObjectDecoder() {
        this(UnaryOperator.identity(), new SharedStrings(PORT_NAMES));
    }

    /** How many distinct port names a decoder of its own shares. */
    public static final int PORT_NAMES = 1024;

    /**
     * A decoder that takes an object's name and namespace through {@code knownNames}: a caller that already holds
     * them (the informers' copy of the object) returns its own instances for equal text, and the model keeps those
     * instead of a second copy of each (about 2 MB at 10,000 Services x 10 endpoints). Port names go through
     * {@code portNames} ({@link SharedStrings} across all the objects a source decodes).
     */
    public ObjectDecoder(UnaryOperator<String> knownNames, UnaryOperator<String> portNames) {
        this.portNames = portNames;
        this.knownNames = knownNames;
    }

    public List<Problem> problems() {
        return problems;
    }

    public Decoded decode(SourceDocument doc) {
        JsonObject o = doc.object();
        String kind = JsonFields.string(o, "kind");
        String apiVersion = JsonFields.string(o, "apiVersion");
        JsonObject meta = JsonFields.object(o, "metadata");
        String name = JsonFields.string(meta, "name");
        if (name != null) name = knownNames.apply(name);
        // not interned here: with namespaces and port names interned, 8 of 17 runs of kpf bench sync printed a one-change
        // p99 over 1 ms; without, none of 4 runs of the same build (nor 12 of earlier builds) did. The informers'
        // copies are interned (RawObject), off the change path, and an API object's namespace is that copy (knownNames)
        String ns = knownNames.apply(JsonFields.string(meta, "namespace", "default"));
        if (kind == null || apiVersion == null) {
            return reject(doc, "", "not a Kubernetes object (needs apiVersion and kind)");
        }
        String label = kind + " " + (name == null ? "(no name)" : (kind.equals("Node") ? name : ns + "/" + name));
        if (name == null || name.isBlank()) return reject(doc, label, "metadata.name is missing");
        return switch (kind) {
            case "Service" -> apiVersion.equals("v1") ? service(doc, label, ns, name, o) : reject(doc, label, "apiVersion " + apiVersion + " is not v1");
            case "EndpointSlice" -> apiVersion.equals("discovery.k8s.io/v1") ? slice(doc, label, ns, name, o)
                    : reject(doc, label, "apiVersion " + apiVersion + " is not supported: use discovery.k8s.io/v1");
            case "Node" -> apiVersion.equals("v1") ? node(doc, label, name, o) : reject(doc, label, "apiVersion " + apiVersion + " is not v1");
            default -> IGNORED_KINDS.contains(kind) ? new Decoded.Ignored(kind)
                    : reject(doc, label, "kind " + kind + " (" + apiVersion + ") is not one kpf reads (Service, EndpointSlice, Node)");
        };
    }

    private Decoded reject(SourceDocument doc, String label, String message) {
        problems.add(new Problem(label, doc.location(), message + ": skipped"));
        return new Decoded.Rejected();
    }

    private void warn(SourceDocument doc, String label, String message) {
        problems.add(new Problem(label, doc.location(), message));
    }

    private Decoded service(SourceDocument doc, String label, String ns, String name, JsonObject o) {
        JsonObject spec = JsonFields.object(o, "spec");
        if (spec == null) return reject(doc, label, "spec is missing");
        String typeText = JsonFields.string(spec, "type", "ClusterIP");
        Service.Type type = switch (typeText) {
            case "ClusterIP" -> Service.Type.CLUSTER_IP;
            case "NodePort" -> Service.Type.NODE_PORT;
            case "LoadBalancer" -> Service.Type.LOAD_BALANCER;
            case "ExternalName" -> Service.Type.EXTERNAL_NAME;
            default -> null;
        };
        if (type == null) return reject(doc, label, "spec.type " + typeText + " is not ClusterIP, NodePort, LoadBalancer or ExternalName");

        List<String> ipTexts = JsonFields.strings(spec, "clusterIPs");
        if (ipTexts.isEmpty() && JsonFields.string(spec, "clusterIP") != null) ipTexts = List.of(JsonFields.string(spec, "clusterIP"));
        List<InetAddress> clusterIps = new ArrayList<>();
        boolean headless = ipTexts.stream().anyMatch(t -> t.equals("None"));
        if (!headless && type != Service.Type.EXTERNAL_NAME) {
            for (String t : ipTexts) {
                Optional<InetAddress> ip = sloppy(doc, label, "spec.clusterIPs", t);
                if (ip.isEmpty()) return reject(doc, label, "spec.clusterIPs has an invalid IP '" + t + "'");
                clusterIps.add(ip.get());
            }
            if (clusterIps.isEmpty()) {
                return reject(doc, label, "has no cluster IP (spec.clusterIP is empty: not allocated); set spec.clusterIP or read it from the API");
            }
        }

        List<Service.Port> ports = new ArrayList<>();
        int index = 0;
        for (JsonElement pe : JsonFields.array(spec, "ports")) {
            index++;
            if (!pe.isJsonObject()) {
                warn(doc, label, "spec.ports[" + (index - 1) + "] is not an object: skipped");
                continue;
            }
            JsonObject p = pe.getAsJsonObject();
            String portName = JsonFields.string(p, "name", "");
            String what = "port " + (portName.isEmpty() ? "#" + index : portName);
            Optional<Protocol> proto = Protocol.parse(JsonFields.string(p, "protocol"));
            if (proto.isEmpty()) {
                warn(doc, label, what + ": protocol " + JsonFields.string(p, "protocol") + " is not supported (TCP, UDP, SCTP): that port is skipped");
                continue;
            }
            OptionalLong number = JsonFields.integer(p, "port");
            if (number.isEmpty() || number.getAsLong() < 1 || number.getAsLong() > 65535) {
                warn(doc, label, what + ": port " + (JsonFields.has(p, "port") ? p.get("port") : "is missing") + " is not in 1-65535: that port is skipped");
                continue;
            }
            OptionalLong nodePort = JsonFields.integer(p, "nodePort");
            int np = 0;
            if (JsonFields.has(p, "nodePort")) {
                if (nodePort.isEmpty() || nodePort.getAsLong() < 1 || nodePort.getAsLong() > 65535) {
                    warn(doc, label, what + ": nodePort " + p.get("nodePort") + " is not in 1-65535: no NodePort frontend for it");
                } else {
                    np = (int) nodePort.getAsLong();
                }
            }
            ports.add(new Service.Port(portNames.apply(portName), proto.get(), (int) number.getAsLong(), np));
        }

        List<InetAddress> externalIps = ips(doc, label, "spec.externalIPs", JsonFields.strings(spec, "externalIPs"));
        List<InetAddress> lbIps = new ArrayList<>();
        JsonObject lb = JsonFields.object(o, "status", "loadBalancer");
        for (JsonElement ing : JsonFields.array(lb, "ingress")) {
            if (!ing.isJsonObject()) continue;
            JsonObject io = ing.getAsJsonObject();
            String ip = JsonFields.string(io, "ip");
            if (ip == null) continue; // hostname-only ingress: nothing to program
            // as kube-proxy (util IsVIPMode): only ipMode VIP, or none; Proxy (and any other mode) is the load balancer's
            String ipMode = JsonFields.string(io, "ipMode");
            if (ipMode != null && !ipMode.equals("VIP")) continue;
            // whatever the Service's type: kube-proxy programs the ingress IPs in status (e.g. left after a type change)
            lbIps.addAll(ips(doc, label, "status.loadBalancer.ingress", List.of(ip)));
        }
        // kube-proxy reads spec.loadBalancerSourceRanges only (serviceport.go); the annotation is the cloud providers'
        List<String> rangeTexts = JsonFields.strings(spec, "loadBalancerSourceRanges");
        String rangeAnnotation = JsonFields.string(JsonFields.object(o, "metadata", "annotations"), SOURCE_RANGES_ANNOTATION);
        if (rangeTexts.isEmpty() && rangeAnnotation != null && !rangeAnnotation.isBlank() && !lbIps.isEmpty()) {
            warn(doc, label, "annotation " + SOURCE_RANGES_ANNOTATION + " is read by cloud load balancers, not by kube-proxy or kpf: "
                    + "the load balancer IPs accept every source; set spec.loadBalancerSourceRanges to filter them on the node");
        }
        List<Cidr> ranges = new ArrayList<>();
        for (String r : rangeTexts) {
            if (r.isBlank()) continue;
            Optional<Cidr> c = Cidr.parseSloppy(r);
            if (c.isEmpty()) warn(doc, label, "loadBalancerSourceRanges entry '" + r.strip() + "' is not a CIDR: ignored");
            else {
                if (Cidr.parse(r).isEmpty()) warn(doc, label, leadingZeros("loadBalancerSourceRanges", r, c.get().toString()));
                ranges.add(c.get());
            }
        }

        boolean affinity = "ClientIP".equals(JsonFields.string(spec, "sessionAffinity"));
        int timeout = Service.DEFAULT_AFFINITY_TIMEOUT;
        OptionalLong t = JsonFields.integer(JsonFields.object(spec, "sessionAffinityConfig", "clientIP"), "timeoutSeconds");
        if (affinity && t.isPresent()) {
            if (t.getAsLong() < 1 || t.getAsLong() > 86400) {
                warn(doc, label, "sessionAffinityConfig.clientIP.timeoutSeconds " + t.getAsLong() + " is not in 1-86400: using 10800");
            } else {
                timeout = (int) t.getAsLong();
            }
        }
        String etp = JsonFields.string(spec, "externalTrafficPolicy", "Cluster");
        String itp = JsonFields.string(spec, "internalTrafficPolicy", "Cluster");
        int hc = (int) JsonFields.integer(spec, "healthCheckNodePort").orElse(0);
        Map<String, String> labels = JsonFields.stringMap(JsonFields.object(o, "metadata", "labels"));
        if (headless) clusterIps.clear();
        return new Decoded.AService(new Service(ns, name, type, clusterIps, ports, externalIps, lbIps, ranges, affinity, timeout,
                etp.equals("Local") || etp.equals("OnlyLocal"), itp.equals("Local"), hc, labels));
    }

    private List<InetAddress> ips(SourceDocument doc, String label, String field, List<String> texts) {
        List<InetAddress> out = new ArrayList<>();
        for (String t : texts) {
            Optional<InetAddress> ip = sloppy(doc, label, field, t);
            if (ip.isEmpty()) warn(doc, label, field + " has an invalid IP '" + t + "': ignored");
            else out.add(ip.get());
        }
        return out;
    }

    /** An address from the API as kube-proxy reads it (leading zeros are decimal), with a warning when it had them. */
    private Optional<InetAddress> sloppy(SourceDocument doc, String label, String field, String text) {
        Optional<InetAddress> strict = IpAddresses.parse(text);
        if (strict.isPresent()) return strict;
        Optional<InetAddress> ip = IpAddresses.parseSloppy(text);
        ip.ifPresent(a -> warn(doc, label, leadingZeros(field, text, IpAddresses.format(a))));
        return ip;
    }

    private static String leadingZeros(String field, String text, String read) {
        return field + " '" + text.strip() + "' has leading zeros: read as " + read + ", in decimal as kube-proxy reads it (write it that way: "
                + "the API refuses it under StrictIPCIDRValidation)";
    }

    static final String SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges";

    private Decoded slice(SourceDocument doc, String label, String ns, String name, JsonObject o) {
        String addressType = JsonFields.string(o, "addressType", "");
        IpFamily family = switch (addressType) {
            case "IPv4" -> IpFamily.IPv4;
            case "IPv6" -> IpFamily.IPv6;
            default -> null;
        };
        if (family == null) {
            if (addressType.equals("FQDN")) return new Decoded.Ignored("EndpointSlice(FQDN)");
            return reject(doc, label, "addressType '" + addressType + "' is not IPv4, IPv6 or FQDN");
        }
        Map<String, String> labels = JsonFields.stringMap(JsonFields.object(o, "metadata", "labels"));
        // kube-proxy's informers never list these (kpf departs for its own proxy name: the slices of kpf's Services)
        String proxy = labels.get(Service.PROXY_NAME_LABEL);
        if (labels.containsKey(Service.HEADLESS_LABEL)) return new Decoded.Ignored("EndpointSlice(headless)");
        if (proxy != null && !proxy.equals(Service.KPF_PROXY_NAME)) return new Decoded.Ignored("EndpointSlice(" + proxy + ")");
        String service = labels.get("kubernetes.io/service-name");
        if (service == null || service.isBlank()) {
            return reject(doc, label, "has no label kubernetes.io/service-name, so it belongs to no service");
        }
        List<EndpointSlice.Port> ports = new ArrayList<>();
        for (JsonElement pe : JsonFields.array(o, "ports")) {
            if (!pe.isJsonObject()) continue;
            JsonObject p = pe.getAsJsonObject();
            Optional<Protocol> proto = Protocol.parse(JsonFields.string(p, "protocol"));
            OptionalLong number = JsonFields.integer(p, "port");
            String pname = JsonFields.string(p, "name", "");
            if (proto.isEmpty()) {
                warn(doc, label, "port " + pname + ": protocol " + JsonFields.string(p, "protocol") + " is not supported: skipped");
            } else if (number.isEmpty() || number.getAsLong() < 1 || number.getAsLong() > 65535) {
                if (JsonFields.has(p, "port")) warn(doc, label, "port " + pname + ": " + p.get("port") + " is not in 1-65535: skipped");
                // a port without a number means "all ports" for selector-less slices; kube-proxy ignores it
            } else {
                ports.add(new EndpointSlice.Port(portNames.apply(pname), proto.get(), (int) number.getAsLong()));
            }
        }
        List<EndpointSlice.Endpoint> endpoints = new ArrayList<>();
        Map<String, String> podPrefixes = new java.util.HashMap<>(); // one instance of each pod name prefix per slice
        for (JsonElement ee : JsonFields.array(o, "endpoints")) {
            if (!ee.isJsonObject()) continue;
            JsonObject e = ee.getAsJsonObject();
            // only the first address counts (kube-proxy: Addresses[0]; the API lets consumers ignore the others)
            List<String> texts = JsonFields.strings(e, "addresses");
            if (texts.isEmpty()) continue;
            String a = texts.getFirst();
            Optional<InetAddress> ip = sloppy(doc, label, "endpoint address", a);
            if (ip.isEmpty()) {
                warn(doc, label, "endpoint address '" + a + "' is not an IP: that endpoint is skipped");
                continue;
            }
            if (IpFamily.of(ip.get()) != family) {
                warn(doc, label, "endpoint address " + a + " is not " + family + " (the slice's addressType): that endpoint is skipped");
                continue;
            }
            JsonObject c = JsonFields.object(e, "conditions");
            // kube-proxy's reading: an omitted serving is true, whatever ready says (endpointslicecache.go)
            boolean ready = JsonFields.bool(c, "ready", true);
            boolean serving = JsonFields.bool(c, "serving", true);
            boolean terminating = JsonFields.bool(c, "terminating", false);
            Set<String> hints = hintNames(e, "forZones");
            Set<String> nodeHints = hintNames(e, "forNodes");
            // only a Pod's name is kept (what backends show), packed (PodName): one per endpoint, shared with its backends
            JsonObject ref = JsonFields.object(e, "targetRef");
            PodName target = ref != null && "Pod".equals(JsonFields.string(ref, "kind"))
                    ? PodName.of(JsonFields.string(ref, "name", ""), podPrefixes) : PodName.NONE;
            // node and zone names repeat across every endpoint of a cluster: keep one copy of each
            endpoints.add(new EndpointSlice.Endpoint(ip.get(), ready, serving, terminating, JsonFields.string(e, "nodeName", "").intern(),
                    JsonFields.string(e, "zone", "").intern(), hints, nodeHints, target));
        }
        return new Decoded.ASlice(new EndpointSlice(ns, name, service, family, ports, endpoints, triggerTime(doc, label, o)));
    }

    /** The names of an endpoint's hints of one kind (forZones, forNodes), interned: they repeat across a cluster. */
    private static Set<String> hintNames(JsonObject endpoint, String kind) {
        // most endpoints have none: no set made for them (two per endpoint were 7 % of an agent's start-up allocations)
        if (!endpoint.has("hints")) return Set.of();
        Set<String> names = new LinkedHashSet<>();
        for (JsonElement h : JsonFields.array(JsonFields.object(endpoint, "hints"), kind)) {
            if (h.isJsonObject() && JsonFields.string(h.getAsJsonObject(), "name") != null) names.add(JsonFields.string(h.getAsJsonObject(), "name").intern());
        }
        return names;
    }

    /** The EndpointSlice controller's RFC 3339 time (kube-proxy's getLastChangeTriggerTime), when present and readable. */
    private Optional<java.time.Instant> triggerTime(SourceDocument doc, String label, JsonObject o) {
        String text = JsonFields.string(JsonFields.object(o, "metadata", "annotations"), EndpointSlice.TRIGGER_TIME_ANNOTATION);
        if (text == null) return Optional.empty();
        try {
            return Optional.of(java.time.OffsetDateTime.parse(text).toInstant());
        } catch (java.time.format.DateTimeParseException e) {
            warn(doc, label, "annotation " + EndpointSlice.TRIGGER_TIME_ANNOTATION + " '" + text
                    + "' is not an RFC 3339 time: network programming latency is not measured for this change");
            return Optional.empty();
        }
    }

    private Decoded node(SourceDocument doc, String label, String name, JsonObject o) {
        String zone = JsonFields.string(JsonFields.object(o, "metadata", "labels"), "topology.kubernetes.io/zone", "");
        List<InetAddress> addresses = new ArrayList<>();
        for (JsonElement ae : JsonFields.array(JsonFields.object(o, "status"), "addresses")) {
            if (!ae.isJsonObject()) continue;
            String t = JsonFields.string(ae.getAsJsonObject(), "type", "");
            if (!t.equals("InternalIP") && !t.equals("ExternalIP")) continue;
            addresses.addAll(ips(doc, label, "status.addresses", List.of(JsonFields.string(ae.getAsJsonObject(), "address", ""))));
        }
        return new Decoded.ANode(new Node(name, zone, addresses));
    }
}
