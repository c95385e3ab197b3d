package dev.kpf.diagnostics;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.dataplane.agent.AgentHttp;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * What answers at an agent URL: a kpf agent, recognised by its /v1/status schema ({@link AgentHttp#STATUS_SCHEMA}),
 * never by a bare 200 (kube-proxy answers /healthz with 200 on its own ports), something else, or nothing.
 */
sealed interface KpfAgentStatus {
    /** A kpf agent and its status document. */
    record Kpf(JsonObject status) implements KpfAgentStatus {}

    /** Something answers, but not as a kpf agent: what it answered. */
    record NotKpf(String answered) implements KpfAgentStatus {}

    /** Nothing answers: why. */
    record Nobody(String why) implements KpfAgentStatus {}

    static KpfAgentStatus read(URI agent) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(agent.resolve("/v1/status")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) return new NotKpf("/v1/status answered HTTP " + r.statusCode());
            JsonElement doc = JsonParser.parseString(r.body());
            if (doc.isJsonObject() && doc.getAsJsonObject().has("schema")
                    && AgentHttp.STATUS_SCHEMA.equals(doc.getAsJsonObject().get("schema").getAsString())) {
                return new Kpf(doc.getAsJsonObject());
            }
            return new NotKpf("/v1/status is not " + AgentHttp.STATUS_SCHEMA);
        } catch (com.google.gson.JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            return new NotKpf("/v1/status is not JSON");
        } catch (java.io.IOException e) {
            return new Nobody(e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Nobody("interrupted");
        }
    }
}
