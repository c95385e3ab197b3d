package dev.kpf.diagnostics;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.probes.probe.ProbeStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Cluster config lint: a {@code baremetal.cluster.gke.io/v1} Cluster must carry the annotation
 * {@code preview.baremetal.cluster.gke.io/kube-proxy-free: "enable"} exactly. Wrong values, near-miss keys and the
 * annotation on another object are reported with the exact fix. The switch cannot be undone, which it always says.
 */
public final class ClusterAnnotationLint {
    private ClusterAnnotationLint() {}

    public static final String KEY = "preview.baremetal.cluster.gke.io/kube-proxy-free";
    static final String IRREVERSIBLE = "the switch to kube-proxy-free mode cannot be undone";

    public static CheckResult check(List<SourceDocument> docs) {
        List<String> elsewhere = new ArrayList<>();
        SourceDocument cluster = null;
        for (SourceDocument d : docs) {
            JsonObject o = d.object();
            String kind = str(o, "kind"), apiVersion = str(o, "apiVersion");
            boolean isCluster = "Cluster".equals(kind) && "baremetal.cluster.gke.io/v1".equals(apiVersion);
            if (isCluster && cluster == null) {
                cluster = d;
                continue;
            }
            if (mentions(o)) elsewhere.add(kind + " " + name(o) + " (" + d.location() + ")");
        }
        String expected = KEY + ": \"enable\" on the baremetal.cluster.gke.io/v1 Cluster";
        if (cluster == null) {
            String observed = elsewhere.isEmpty() ? "no baremetal.cluster.gke.io/v1 Cluster found"
                    : "no baremetal.cluster.gke.io/v1 Cluster; the annotation is on " + String.join(", ", elsewhere);
            return CheckResult.of("cluster.annotation", "cluster", ProbeStatus.FAIL, observed, expected,
                    "put the annotation on the Cluster object (apiVersion baremetal.cluster.gke.io/v1, kind Cluster); " + IRREVERSIBLE);
        }
        JsonObject annotations = obj(cluster.object(), "metadata", "annotations");
        String where = "Cluster " + name(cluster.object()) + " (" + cluster.location() + ")";
        if (annotations != null && annotations.has(KEY)) {
            String value = annotations.get(KEY).isJsonPrimitive() ? annotations.get(KEY).getAsString() : annotations.get(KEY).toString();
            if (value.equals("enable")) {
                return CheckResult.of("cluster.annotation", "cluster", ProbeStatus.PASS, where + " has " + KEY + ": \"enable\" ("
                        + IRREVERSIBLE + ")", expected, "");
            }
            return CheckResult.of("cluster.annotation", "cluster", ProbeStatus.FAIL, where + " has " + KEY + ": \"" + value + "\"", expected,
                    "the value must be exactly \"enable\" (not \"" + value + "\"): set " + KEY + ": \"enable\"; " + IRREVERSIBLE);
        }
        if (annotations != null) {
            for (Map.Entry<String, JsonElement> e : annotations.entrySet()) {
                if (nearMiss(e.getKey())) {
                    return CheckResult.of("cluster.annotation", "cluster", ProbeStatus.FAIL, where + " has \"" + e.getKey() + "\" instead",
                            expected, "the key is misspelt: use " + KEY + ": \"enable\"; " + IRREVERSIBLE);
                }
            }
        }
        JsonObject labels = obj(cluster.object(), "metadata", "labels");
        if (labels != null && labels.has(KEY)) {
            return CheckResult.of("cluster.annotation", "cluster", ProbeStatus.FAIL, where + " has it as a label", expected,
                    "move it from metadata.labels to metadata.annotations; " + IRREVERSIBLE);
        }
        String observed = where + " has no " + KEY + " annotation" + (elsewhere.isEmpty() ? "" : "; it is on " + String.join(", ", elsewhere));
        return CheckResult.of("cluster.annotation", "cluster", ProbeStatus.FAIL, observed, expected,
                "add " + KEY + ": \"enable\" to the Cluster's metadata.annotations when creating the cluster; " + IRREVERSIBLE);
    }

    /** Keys that look like the annotation but are not it (case, separators, missing prefix, small typos). */
    static boolean nearMiss(String key) {
        if (key.equals(KEY)) return false;
        String k = key.toLowerCase(Locale.ROOT).replace('_', '-');
        return k.contains("kube-proxy-free") || k.contains("kubeproxyfree") || distance(k, KEY) <= 3;
    }

    private static boolean mentions(JsonObject o) {
        JsonObject a = obj(o, "metadata", "annotations");
        if (a == null) return false;
        return a.keySet().stream().anyMatch(k -> k.equals(KEY) || nearMiss(k));
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String str(JsonObject o, String k) {
        return o.has(k) && o.get(k).isJsonPrimitive() ? o.get(k).getAsString() : null;
    }

    private static String name(JsonObject o) {
        JsonObject m = obj(o, "metadata");
        if (m == null) return "?";
        String ns = str(m, "namespace");
        return (ns == null ? "" : ns + "/") + str(m, "name");
    }

    private static JsonObject obj(JsonObject o, String... path) {
        JsonObject cur = o;
        for (String p : path) {
            if (cur == null || !cur.has(p) || !cur.get(p).isJsonObject()) return null;
            cur = cur.getAsJsonObject(p);
        }
        return cur;
    }
}
