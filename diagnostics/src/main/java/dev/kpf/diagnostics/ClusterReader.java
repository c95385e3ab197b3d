package dev.kpf.diagnostics;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.source.RawObject;
import dev.kpf.dataplane.source.RawObjectList;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.options.ListOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * What the doctor reads from the API server: DaemonSets of all namespaces and the baremetal Clusters, as raw
 * objects (so fields newer than the client do not break it). Errors become messages, never exceptions.
 */
public final class ClusterReader {
    /** A list read, or why it could not be read. */
    public record Read<T>(List<T> items, String error) {
        public boolean ok() {
            return error == null;
        }
    }

    /** What the doctor reads, "resource.group" to verbs; deploy/kpf.yaml's kpf-doctor ClusterRole grants exactly this (tested). */
    public static final java.util.Map<String, java.util.Set<String>> ACCESS = java.util.Map.of(
            "daemonsets.apps", java.util.Set.of("list"), "clusters.baremetal.cluster.gke.io", java.util.Set.of("list"),
            "pods", java.util.Set.of("list"), "nodes", java.util.Set.of("list"));

    private final ApiClient client;
    private volatile String unreachable;

    private final java.time.Duration perCall;
    private final java.time.Instant deadline;

    public ClusterReader(ApiClient client) {
        this(client, java.time.Duration.ofSeconds(10), java.time.Instant.MAX);
    }

    /** Each read waits at most {@code perCall}, and none starts or outlasts {@code deadline} (the doctor's total budget). */
    public ClusterReader(ApiClient client, java.time.Duration perCall, java.time.Instant deadline) {
        this.client = client;
        this.perCall = perCall;
        this.deadline = deadline;
        dev.kpf.dataplane.source.RawJson.ensureRegistered();
    }

    public Read<DaemonSetRow> daemonSets() {
        Read<JsonObject> raw = list("apps", "v1", "daemonsets");
        if (!raw.ok()) return new Read<>(List.of(), raw.error());
        List<DaemonSetRow> rows = new ArrayList<>(raw.items().stream().map(ClusterReader::daemonSetRow).toList());
        rows.sort(java.util.Comparator.comparing(DaemonSetRow::namespace).thenComparing(DaemonSetRow::name));
        return new Read<>(rows, null);
    }

    /** A DaemonSet object as kubectl's table row. */
    public static DaemonSetRow daemonSetRow(JsonObject o) {
        JsonObject meta = o.getAsJsonObject("metadata");
        JsonObject status = o.has("status") ? o.getAsJsonObject("status") : new JsonObject();
        return new DaemonSetRow(meta.has("namespace") ? meta.get("namespace").getAsString() : "", meta.get("name").getAsString(),
                num(status, "desiredNumberScheduled"), num(status, "currentNumberScheduled"), num(status, "numberReady"),
                num(status, "updatedNumberScheduled"), num(status, "numberAvailable"), "");
    }

    public Read<SourceDocument> clusters() {
        Read<JsonObject> raw = list("baremetal.cluster.gke.io", "v1", "clusters");
        if (!raw.ok()) return new Read<>(List.of(), raw.error());
        return new Read<>(raw.items().stream().map(o -> new SourceDocument(o, "api")).toList(), null);
    }

    /**
     * Running pods of the DaemonSet {@code namespace/name} scheduled on {@code node}, as "namespace/pod" names. Lists
     * the DaemonSet's namespace and matches the controller owner reference and spec.nodeName.
     */
    public Read<String> daemonSetPodsOn(String namespace, String name, String node) {
        Read<JsonObject> raw = list("", "v1", "pods", namespace);
        if (!raw.ok()) return new Read<>(List.of(), raw.error());
        List<String> pods = new ArrayList<>();
        for (JsonObject pod : raw.items()) {
            JsonObject meta = pod.getAsJsonObject("metadata");
            boolean owned = meta.has("ownerReferences") && meta.getAsJsonArray("ownerReferences").asList().stream()
                    .map(e -> e.getAsJsonObject())
                    .anyMatch(o -> "DaemonSet".equals(text(o, "kind")) && name.equals(text(o, "name")));
            JsonObject spec = pod.has("spec") ? pod.getAsJsonObject("spec") : new JsonObject();
            JsonObject status = pod.has("status") ? pod.getAsJsonObject("status") : new JsonObject();
            if (owned && node.equals(text(spec, "nodeName")) && "Running".equals(text(status, "phase"))) {
                pods.add(namespace + "/" + text(meta, "name"));
            }
        }
        return new Read<>(pods, null);
    }

    /** The cluster's Nodes, raw. */
    public Read<JsonObject> nodes() {
        return list("", "v1", "nodes", null);
    }

    private static String text(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : "";
    }

    private static long num(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsLong() : 0;
    }

    /** How long the next read may take: the per-call bound, cut to what is left before the deadline. */
    public java.time.Duration remaining() {
        if (deadline.equals(java.time.Instant.MAX)) return perCall;
        java.time.Duration left = java.time.Duration.between(java.time.Instant.now(), deadline);
        return left.isNegative() ? java.time.Duration.ZERO : left.compareTo(perCall) < 0 ? left : perCall;
    }

    private Read<JsonObject> list(String group, String version, String plural) {
        return list(group, version, plural, null);
    }

    /**
     * Why the API server stopped answering during this run (a timeout or a refused connection), or null. Once set,
     * every further read fails at once with it, so a run against a dead API costs one timeout, not one per check.
     */
    public String unreachable() {
        return unreachable;
    }

    private Read<JsonObject> list(String group, String version, String plural, String namespace) {
        String dead = unreachable;
        if (dead != null) return new Read<>(List.of(), "list " + plural + ": " + dead);
        java.time.Duration budget = remaining();
        if (budget.toMillis() < 200) return new Read<>(List.of(), "list " + plural + ": skipped, the doctor's time budget is used up");
        client.setHttpClient(client.getHttpClient().newBuilder().callTimeout(budget.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).build());
        try {
            GenericKubernetesApi<RawObject, RawObjectList> api = new GenericKubernetesApi<>(RawObject.class, RawObjectList.class, group, version, plural, client);
            ListOptions options = new ListOptions().timeoutSeconds(10);
            KubernetesApiResponse<RawObjectList> r = namespace == null ? api.list(options) : api.list(namespace, options);
            if (!r.isSuccess()) {
                String message = r.getStatus() != null && r.getStatus().getMessage() != null ? r.getStatus().getMessage() : "HTTP " + r.getHttpStatusCode();
                return new Read<>(List.of(), "list " + plural + ": " + message + (r.getHttpStatusCode() == 403
                        ? " (grant list on " + plural + ": deploy/kpf.yaml's kpf-doctor ClusterRole)" : ""));
            }
            return new Read<>(r.getObject().getItems().stream().map(RawObject::json).toList(), null);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            if (cause instanceof java.io.IOException io) {
                why = unreachable(io);
                unreachable = why;
            }
            return new Read<>(List.of(), "list " + plural + ": " + why);
        }
    }

    /** kubectl's words for a server that could not be reached, naming it and the fix. */
    private String unreachable(java.io.IOException e) {
        String server = client.getBasePath();
        String hostPort = server.replaceFirst("^[a-z]+://", "").replaceFirst("/.*$", "");
        if (e instanceof java.net.ConnectException || String.valueOf(e.getMessage()).startsWith("Failed to connect")) {
            return "The connection to the server " + hostPort + " was refused - did you specify the right host or port? "
                    + "(check --kubeconfig/--context, or the API server)";
        }
        if (e instanceof java.io.InterruptedIOException) {
            return "Unable to connect to the server " + hostPort + ": no answer within the doctor's time budget (is the API server up, "
                    + "and is " + hostPort + " its address?)";
        }
        return "Unable to connect to the server " + hostPort + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
