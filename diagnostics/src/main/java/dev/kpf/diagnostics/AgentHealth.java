package dev.kpf.diagnostics;

import com.google.gson.JsonObject;
import dev.kpf.probes.probe.ProbeStatus;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** {@code agent.health}: the local kpf agent's /healthz, /readyz and /v1/status (sync errors, source errors). */
public final class AgentHealth {
    private AgentHealth() {}

    public static CheckResult check(URI agent) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        JsonObject status;
        switch (KpfAgentStatus.read(agent)) {
            case KpfAgentStatus.Kpf kpf -> status = kpf.status();
            case KpfAgentStatus.NotKpf other -> {
                return CheckResult.of("agent.health", "agent", ProbeStatus.UNKNOWN, "something answers at " + agent + " but not as a kpf agent ("
                        + other.answered() + ")", "a kpf agent on this node", "kube-proxy listens on 10249 and 10256; kpf's agent on "
                        + dev.kpf.dataplane.agent.AgentHttp.DEFAULT_LISTEN + " unless --listen says otherwise: pass --agent URL");
            }
            case KpfAgentStatus.Nobody nobody -> {
                return CheckResult.of("agent.health", "agent", ProbeStatus.UNKNOWN, "no kpf agent answers at " + agent + " (" + nobody.why() + ")",
                        "a kpf agent on this node", "if kpf is this node's dataplane, start it (deploy/kpf.yaml); pass --agent URL if it listens elsewhere");
            }
        }
        try {
            int health = get(http, agent.resolve("/healthz")).statusCode();
            int ready = get(http, agent.resolve("/readyz")).statusCode();
            String observed = "healthz " + health + ", readyz " + ready + ", " + status.get("frontends").getAsInt() + " frontends, "
                    + status.get("syncs").getAsLong() + " syncs" + lastSyncAge(status) + devices(status)
                    + (status.get("simulated").getAsBoolean() ? " (simulated datapath)" : "");
            String expected = "healthy, ready, no sync or source errors";
            if (health != 200 || ready != 200) {
                return CheckResult.of("agent.health", "agent", ProbeStatus.FAIL, observed, expected,
                        "the agent has not programmed a first sync: see its logs (kubectl -n kube-system logs ds/kpf) and `kpf probe`");
            }
            var errors = status.getAsJsonArray("errors");
            JsonObject source = status.getAsJsonObject("source");
            if (!errors.isEmpty() || source.get("degraded").getAsBoolean()) {
                String why = !errors.isEmpty() ? errors.get(0).getAsString() : source.get("lastError").getAsString();
                return CheckResult.of("agent.health", "agent", ProbeStatus.WARN, observed + "; " + why, expected,
                        "the last good state stays programmed; fix the cause named here (map capacity, API access)");
            }
            // issue 17: fine while kube-proxy runs, but a node without it never syncs after a reboot
            if (source.has("bootstrapRisk") && !source.get("bootstrapRisk").isJsonNull()) {
                return CheckResult.of("agent.health", "agent", ProbeStatus.WARN, observed + "; through the kubernetes Service", expected,
                        source.get("bootstrapRisk").getAsString());
            }
            if (status.get("simulated").getAsBoolean()) {
                return CheckResult.of("agent.health", "agent", ProbeStatus.WARN, observed, expected,
                        "the agent runs with --simulate and serves no traffic: run it with BPF (see deploy/kpf.yaml)");
            }
            return CheckResult.of("agent.health", "agent", ProbeStatus.PASS, observed, expected, "");
        } catch (java.io.IOException | RuntimeException e) {
            return CheckResult.of("agent.health", "agent", ProbeStatus.UNKNOWN, "no kpf agent answers at " + agent + " (" + e.getClass().getSimpleName() + ")",
                    "a kpf agent on this node", "if kpf is this node's dataplane, start it (deploy/kpf.yaml); pass --agent URL if it listens elsewhere");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CheckResult.of("agent.health", "agent", ProbeStatus.UNKNOWN, "interrupted", "", "");
        }
    }

    /** ", last N s ago" from the status's lastSync (syncs follow changes, so a quiet cluster has old ones). */
    private static String lastSyncAge(JsonObject status) {
        if (!status.has("lastSync") || status.get("lastSync").isJsonNull()) return ", no sync yet";
        try {
            Duration age = Duration.between(java.time.Instant.parse(status.get("lastSync").getAsString()), java.time.Instant.now());
            return ", last " + Math.max(0, age.toSeconds()) + " s ago";
        } catch (java.time.format.DateTimeParseException e) {
            return "";
        }
    }

    /**
     * ", tc on eth0, eth1 (tcx)" for the devices traffic from outside is served on and how the programs attach, from
     * the agent's /v1/status (older agents do not say); empty without devices. The TUI header says the same.
     */
    public static String devices(JsonObject status) {
        if (!status.has("devices") || !status.get("devices").isJsonArray() || status.getAsJsonArray("devices").isEmpty()) return "";
        java.util.List<String> names = new java.util.ArrayList<>();
        status.getAsJsonArray("devices").forEach(d -> names.add(d.getAsString()));
        String how = status.has("tcAttach") && !status.get("tcAttach").getAsString().isEmpty() ? " (" + status.get("tcAttach").getAsString() + ")" : "";
        return ", tc on " + String.join(", ", names) + how;
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws java.io.IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
