package dev.kpf.dataplane.source;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.util.Watch;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The client's JSON layer reads everything the informers ask of it (lists, watch events of objects, ERROR events
 * and Status bodies) with kpf's adapters alone. The official client's Gson holds one adapter factory per model
 * class; a type none of kpf's adapters answers is put to every one of them, and each loads its model class, so the
 * first watch event used to load about 830 classes kpf never uses. A factory standing in for the client's (it
 * records every type it is asked about) must never be asked.
 */
class RawJsonTest {
    private final List<Type> asked = new ArrayList<>();
    private final Gson gson = RawJson.withRawTypes(new GsonBuilder().registerTypeAdapterFactory(new TypeAdapterFactory() {
        @Override
        public <T> TypeAdapter<T> create(Gson g, TypeToken<T> type) {
            asked.add(type.getType());
            return null;
        }
    }).create());

    @Test
    void a_watch_event_of_an_object_is_read_without_the_clients_model_adapters() {
        Watch.Response<RawObject> event = gson.fromJson("""
                {"type":"MODIFIED","object":{"kind":"Service","apiVersion":"v1",
                 "metadata":{"name":"web","namespace":"shop","resourceVersion":"7"},"spec":{"clusterIP":"10.96.0.10"}},
                 "extra":[1,{"a":null}]}""", new TypeToken<Watch.Response<RawObject>>() {}.getType());
        assertEquals("MODIFIED", event.type);
        assertEquals("web", event.object.name());
        assertEquals("shop", event.object.namespace());
        assertEquals("7", event.object.resourceVersion());
        assertNull(event.status);
        assertEquals(List.of(), asked);
    }

    @Test
    void an_error_event_and_a_status_body_are_read_without_the_clients_model_adapters() {
        String status = """
                {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
                 "message":"too old resource version: 5 (9)","reason":"Expired","code":410,
                 "details":{"name":"web","causes":[{"reason":"FieldValueInvalid","field":"x"}],"retryAfterSeconds":1}}""";
        Watch.Response<V1Status> event = gson.fromJson("{\"type\":\"ERROR\",\"object\":" + status + "}",
                new TypeToken<Watch.Response<V1Status>>() {}.getType());
        assertEquals("ERROR", event.type);
        assertEquals(410, event.object.getCode());
        assertEquals("Expired", event.object.getReason());
        assertEquals("too old resource version: 5 (9)", event.object.getMessage());
        assertEquals("FieldValueInvalid", event.object.getDetails().getCauses().get(0).getReason());
        assertEquals(1, event.object.getDetails().getRetryAfterSeconds());

        V1Status body = gson.fromJson(status, V1Status.class);
        assertEquals("Failure", body.getStatus());
        assertEquals(List.of(), asked);
    }

    @Test
    void a_list_page_is_read_without_the_clients_model_adapters() {
        RawObjectList list = gson.fromJson("""
                {"kind":"ServiceList","apiVersion":"v1","metadata":{"resourceVersion":"12","continue":"c1"},
                 "items":[{"metadata":{"name":"a","namespace":"ns"}},{"metadata":{"name":"b","namespace":"ns"}}]}""",
                RawObjectList.class);
        assertEquals(2, list.getItems().size());
        assertEquals("Service", list.getItems().get(1).getKind());
        assertEquals("c1", list.getMetadata().getContinue());
        assertEquals(List.of(), asked);
    }

    /** An API error is told by its Status's message; a body that is no Status comes as it is. */
    @Test
    void an_api_errors_message_is_its_status_message_or_its_body() {
        assertEquals("services is forbidden: User \"u\" cannot list resource \"services\"", RawJson.statusMessage("""
                {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
                 "message":"services is forbidden: User \\"u\\" cannot list resource \\"services\\"","reason":"Forbidden","code":403}
                """));
        assertEquals("upstream connect error", RawJson.statusMessage(" upstream connect error\n"));
        assertEquals("{\"kind\":\"Status\",\"code\":500}", RawJson.statusMessage("{\"kind\":\"Status\",\"code\":500}"));
        assertEquals("[1,2]", RawJson.statusMessage("[1,2]"));
        assertEquals("", RawJson.statusMessage(""));
    }

    @Test
    void a_null_event_stays_null() {
        assertNull(gson.fromJson("null", new TypeToken<Watch.Response<RawObject>>() {}.getType()));
        assertEquals(List.of(), asked);
    }
}
