package dev.kpf.dataplane.source;

import dev.kpf.dataplane.load.ObjectDecoder.Decoded;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.model.Service;
import dev.kpf.dataplane.load.ObjectDecoder;
import dev.kpf.dataplane.load.SharedStrings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * An API object decoded for the model keeps one copy of its identity: the model's name and namespace are the
 * informers' cached instances, not copies parsed again from the text; and a version already decoded is not decoded
 * again, while its text is let go either way.
 */
class DecodedObjectTest {
    private final SharedStrings NAMES = new SharedStrings(ObjectDecoder.PORT_NAMES);

    @Test
    void services_and_slices_decoded_one_by_one_share_one_instance_of_each_port_name() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            RawObject svc = RawObjectTest.of(("""
                    {"kind":"Service","apiVersion":"v1","metadata":{"name":"web%d","namespace":"shop","resourceVersion":"7"},
                     "spec":{"clusterIP":"10.96.0.%d","ports":[{"name":"http","port":80,"protocol":"TCP"},
                     {"name":"metrics","port":9090,"protocol":"TCP"}]}}""").formatted(i, i + 10));
            Service s = assertInstanceOf(Decoded.AService.class, DecodedObject.of(svc, null, NAMES).value()).service();
            s.ports().forEach(p -> names.add(p.name()));
            RawObject slice = RawObjectTest.of(("""
                    {"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","addressType":"IPv4",
                     "metadata":{"name":"web%d-abc","namespace":"shop","resourceVersion":"8","labels":{"kubernetes.io/service-name":"web%d"}},
                     "ports":[{"name":"http","port":8080,"protocol":"TCP"},{"name":"metrics","port":9090,"protocol":"TCP"}],
                     "endpoints":[{"addresses":["10.0.0.5"]}]}""").formatted(i, i));
            EndpointSlice e = assertInstanceOf(Decoded.ASlice.class, DecodedObject.of(slice, null, NAMES).value()).slice();
            e.ports().forEach(p -> names.add(p.name()));
        }
        assertEquals(20, names.size());
        String http = names.getFirst(), metrics = names.get(1);
        for (String n : names) {
            assertSame(n.equals("http") ? http : metrics, n, "one instance of each port name");
        }
        assertEquals(2, NAMES.size());
    }
    @Test
    void the_model_holds_the_cached_objects_name_and_namespace_instances() {
        RawObject svc = RawObjectTest.of("""
                {"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"shop","resourceVersion":"7"},
                 "spec":{"clusterIP":"10.96.0.10","ports":[{"name":"http","port":80,"protocol":"TCP"}]}}""");
        Service s = assertInstanceOf(Decoded.AService.class, DecodedObject.of(svc, null, NAMES).value()).service();
        assertEquals(new ObjectRef("Service", "shop", "web"), s.ref());
        assertSame(svc.name(), s.name(), "the cache's name instance");
        assertSame(svc.namespace(), s.namespace(), "the cache's namespace instance");

        RawObject slice = RawObjectTest.of("""
                {"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","addressType":"IPv4",
                 "metadata":{"name":"web-abc","namespace":"shop","resourceVersion":"8","labels":{"kubernetes.io/service-name":"web"}},
                 "ports":[{"name":"http","port":8080,"protocol":"TCP"}],
                 "endpoints":[{"addresses":["10.0.0.5"],"targetRef":{"kind":"Pod","name":"web-5d8b9c7f4b-x2k4p"}}]}""");
        EndpointSlice e = assertInstanceOf(Decoded.ASlice.class, DecodedObject.of(slice, null, NAMES).value()).slice();
        assertSame(slice.name(), e.name());
        assertSame(slice.namespace(), e.namespace());
        assertEquals("web-5d8b9c7f4b-x2k4p", e.endpoints().getFirst().pod().toString());
        assertFalse(slice.holdsText(), "a versioned object lets go of its text once decoded");
    }

    @Test
    void a_version_already_decoded_is_the_previous_decode() {
        String json = """
                {"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"shop","resourceVersion":"7"},
                 "spec":{"clusterIP":"10.96.0.10","ports":[{"port":80,"protocol":"TCP"}]}}""";
        DecodedObject first = DecodedObject.of(RawObjectTest.of(json), null, NAMES);
        RawObject relisted = RawObjectTest.of(json); // the same version, listed again after a 410 Gone
        assertSame(first, DecodedObject.of(relisted, first, NAMES));
        assertFalse(relisted.holdsText());
    }
}
