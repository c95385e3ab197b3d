package dev.kpf.dataplane.load;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.dataplane.model.EndpointSlice;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An EndpointSlice's {@code endpoints.kubernetes.io/last-change-trigger-time} (RFC 3339 with nanoseconds, as the
 * EndpointSlice controller writes it) is where network programming latency starts; one that cannot be read is
 * named in a warning and the slice is served as ever.
 */
class TriggerTimeDecodingTest {
    private static JsonObject slice(String annotation) {
        JsonObject o = JsonParser.parseString("""
                {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                 "metadata": {"namespace": "shop", "name": "web-abc", "labels": {"kubernetes.io/service-name": "web"}},
                 "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
                 "endpoints": [{"addresses": ["10.0.0.1"]}]}""").getAsJsonObject();
        if (annotation != null) {
            JsonObject a = new JsonObject();
            a.addProperty(EndpointSlice.TRIGGER_TIME_ANNOTATION, annotation);
            o.getAsJsonObject("metadata").add("annotations", a);
        }
        return o;
    }

    private static ObjectDecoder.Decoded.ASlice decode(ObjectDecoder decoder, String annotation) {
        return (ObjectDecoder.Decoded.ASlice) decoder.decode(new SourceDocument(slice(annotation), "test"));
    }

    @Test
    void the_controllers_time_is_read_with_nanoseconds_and_offsets() {
        ObjectDecoder decoder = new ObjectDecoder();
        assertEquals(Optional.of(Instant.parse("2026-12-02T21:10:05.123456789Z")),
                decode(decoder, "2026-12-02T21:10:05.123456789Z").slice().lastChangeTriggerTime());
        assertEquals(Optional.of(Instant.parse("2026-12-02T19:10:05Z")), decode(decoder, "2026-12-02T21:10:05+02:00").slice().lastChangeTriggerTime());
        assertEquals(Optional.empty(), decode(decoder, null).slice().lastChangeTriggerTime());
        assertTrue(decoder.problems().isEmpty(), decoder.problems().toString());
    }

    @Test
    void an_unreadable_time_is_named_and_the_slice_still_serves() {
        ObjectDecoder decoder = new ObjectDecoder();
        ObjectDecoder.Decoded.ASlice s = decode(decoder, "yesterday");
        assertEquals(Optional.empty(), s.slice().lastChangeTriggerTime());
        assertEquals(1, s.slice().endpoints().size());
        assertEquals(1, decoder.problems().size());
        String said = decoder.problems().getFirst().toString();
        assertTrue(said.contains("shop/web-abc") && said.contains("'yesterday' is not an RFC 3339 time"), said);
    }
}
