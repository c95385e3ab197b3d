package dev.kpf.dataplane.agent;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.ObjectDecoder;
import dev.kpf.dataplane.load.ObjectDecoder.Decoded;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.model.ClusterState;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The services document names each backend's pod as the endpoint's targetRef wrote it (kept packed in between). */
class TableJsonTest {
    private static <T> T decode(String json, Class<T> kind) {
        return assertInstanceOf(kind, new ObjectDecoder().decode(new SourceDocument(JsonParser.parseString(json).getAsJsonObject(), "test")));
    }

    @Test
    void each_backend_names_its_pod() {
        var service = decode("""
                {"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"shop"},
                 "spec":{"clusterIP":"10.96.0.10","ports":[{"name":"http","port":80,"protocol":"TCP"}]}}""", Decoded.AService.class).service();
        var slice = decode("""
                {"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","addressType":"IPv4",
                 "metadata":{"name":"web-abc","namespace":"shop","labels":{"kubernetes.io/service-name":"web"}},
                 "ports":[{"name":"http","port":8080,"protocol":"TCP"}],
                 "endpoints":[{"addresses":["10.0.0.5"],"targetRef":{"kind":"Pod","name":"web-5d8b9c7f4b-x2k4p"}},
                              {"addresses":["10.0.0.6"],"targetRef":{"kind":"Pod","name":"db-0"}},
                              {"addresses":["10.0.0.7"]}]}""", Decoded.ASlice.class).slice();
        var table = new ServiceTranslator("node-a").translate(ClusterState.of(List.of(service), List.of(slice), List.of(), List.of()));
        JsonObject doc = JsonParser.parseString(TableJson.render(table, "node-a", "test")).getAsJsonObject();
        var backends = doc.getAsJsonArray("frontends").get(0).getAsJsonObject().getAsJsonArray("backends");
        assertEquals(3, backends.size(), doc.toString());
        assertEquals("web-5d8b9c7f4b-x2k4p", backends.get(0).getAsJsonObject().get("pod").getAsString());
        assertEquals("db-0", backends.get(1).getAsJsonObject().get("pod").getAsString());
        assertEquals("", backends.get(2).getAsJsonObject().get("pod").getAsString());
    }
}
