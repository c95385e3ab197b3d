package dev.kpf.testdata.apiserver;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Server-side printing ({@code meta.k8s.io/v1 Table}), which kubectl asks for on {@code get}: the columns
 * kubectl's own printers show for DaemonSets, Services and Nodes, and NAME/AGE for the rest.
 */
final class Tables {
    private Tables() {}

    static JsonObject table(ResourceType r, List<JsonObject> items, long resourceVersion, Clock clock) {
        JsonObject t = new JsonObject();
        t.addProperty("kind", "Table");
        t.addProperty("apiVersion", "meta.k8s.io/v1");
        JsonObject meta = new JsonObject();
        meta.addProperty("resourceVersion", Long.toString(resourceVersion));
        t.add("metadata", meta);
        List<String[]> columns = columns(r);
        JsonArray defs = new JsonArray();
        for (String[] c : columns) {
            JsonObject d = new JsonObject();
            d.addProperty("name", c[0]);
            d.addProperty("type", c[1]);
            d.addProperty("format", c[0].equals("Name") ? "name" : "");
            d.addProperty("description", "");
            d.addProperty("priority", 0);
            defs.add(d);
        }
        t.add("columnDefinitions", defs);
        JsonArray rows = new JsonArray();
        for (JsonObject o : items) {
            JsonObject row = new JsonObject();
            row.add("cells", cells(r, o, clock));
            JsonObject partial = new JsonObject();
            partial.addProperty("kind", "PartialObjectMetadata");
            partial.addProperty("apiVersion", "meta.k8s.io/v1");
            partial.add("metadata", o.getAsJsonObject("metadata").deepCopy());
            row.add("object", partial);
            rows.add(row);
        }
        t.add("rows", rows);
        return t;
    }

    private static List<String[]> columns(ResourceType r) {
        if (r.equals(ResourceType.DAEMONSETS)) {
            return List.of(new String[] {"Name", "string"}, new String[] {"Desired", "integer"}, new String[] {"Current", "integer"},
                    new String[] {"Ready", "integer"}, new String[] {"Up-to-date", "integer"}, new String[] {"Available", "integer"},
                    new String[] {"Node Selector", "string"}, new String[] {"Age", "string"});
        }
        if (r.equals(ResourceType.SERVICES)) {
            return List.of(new String[] {"Name", "string"}, new String[] {"Type", "string"}, new String[] {"Cluster-IP", "string"},
                    new String[] {"External-IP", "string"}, new String[] {"Port(s)", "string"}, new String[] {"Age", "string"});
        }
        return List.of(new String[] {"Name", "string"}, new String[] {"Age", "string"});
    }

    private static JsonArray cells(ResourceType r, JsonObject o, Clock clock) {
        JsonArray cells = new JsonArray();
        JsonObject meta = o.getAsJsonObject("metadata");
        cells.add(meta.get("name").getAsString());
        if (r.equals(ResourceType.DAEMONSETS)) {
            JsonObject status = o.has("status") ? o.getAsJsonObject("status") : new JsonObject();
            for (String f : List.of("desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled", "numberAvailable")) {
                cells.add(status.has(f) ? status.get(f).getAsLong() : 0);
            }
            cells.add(nodeSelector(o));
        } else if (r.equals(ResourceType.SERVICES)) {
            JsonObject spec = o.has("spec") ? o.getAsJsonObject("spec") : new JsonObject();
            cells.add(spec.has("type") ? spec.get("type").getAsString() : "ClusterIP");
            cells.add(spec.has("clusterIP") ? spec.get("clusterIP").getAsString() : "<none>");
            cells.add(externalIps(o));
            cells.add(ports(spec));
        }
        cells.add(age(meta, clock));
        return cells;
    }

    private static String nodeSelector(JsonObject ds) {
        try {
            JsonObject sel = ds.getAsJsonObject("spec").getAsJsonObject("template").getAsJsonObject("spec").getAsJsonObject("nodeSelector");
            if (sel == null || sel.isEmpty()) return "<none>";
            Map<String, String> sorted = new TreeMap<>();
            sel.entrySet().forEach(e -> sorted.put(e.getKey(), e.getValue().getAsString()));
            return String.join(",", sorted.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        } catch (RuntimeException e) {
            return "<none>";
        }
    }

    private static String externalIps(JsonObject svc) {
        List<String> ips = new java.util.ArrayList<>();
        if (svc.has("status") && svc.getAsJsonObject("status").has("loadBalancer")) {
            JsonObject lb = svc.getAsJsonObject("status").getAsJsonObject("loadBalancer");
            if (lb.has("ingress")) lb.getAsJsonArray("ingress").forEach(i -> {
                JsonObject io = i.getAsJsonObject();
                if (io.has("ip")) ips.add(io.get("ip").getAsString());
                else if (io.has("hostname")) ips.add(io.get("hostname").getAsString());
            });
        }
        JsonObject spec = svc.getAsJsonObject("spec");
        if (spec != null && spec.has("externalIPs")) spec.getAsJsonArray("externalIPs").forEach(e -> ips.add(e.getAsString()));
        return ips.isEmpty() ? "<none>" : String.join(",", ips);
    }

    private static String ports(JsonObject spec) {
        if (!spec.has("ports")) return "<none>";
        List<String> out = new java.util.ArrayList<>();
        spec.getAsJsonArray("ports").forEach(p -> {
            JsonObject po = p.getAsJsonObject();
            String proto = po.has("protocol") ? po.get("protocol").getAsString() : "TCP";
            out.add(po.get("port").getAsString() + (po.has("nodePort") ? ":" + po.get("nodePort").getAsString() : "") + "/" + proto);
        });
        return String.join(",", out);
    }

    /** kubectl's short age: 45s, 12m, 5h, 3d. */
    static String age(JsonObject meta, Clock clock) {
        if (!meta.has("creationTimestamp")) return "<unknown>";
        Duration d = Duration.between(Instant.parse(meta.get("creationTimestamp").getAsString()), Instant.now(clock));
        long s = Math.max(0, d.toSeconds());
        if (s < 120) return s + "s";
        if (s < 3600 * 3) return (s / 60) + "m";
        if (s < 86400 * 2) return (s / 3600) + "h";
        return (s / 86400) + "d";
    }
}
