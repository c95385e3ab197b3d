package dev.kpf.dataplane.lb;

import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.IpAddresses;
import dev.kpf.dataplane.model.IpFamily;
import dev.kpf.dataplane.model.Protocol;
import dev.kpf.dataplane.model.Service;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LbTable.diff names exactly what changed: frontends added and removed, backends added, removed and changed. */
class LbDiffTest {
    private final ServiceTranslator translator = new ServiceTranslator("node-a");

    @Test
    void identical_tables_have_an_empty_diff() {
        LbTable t = translator.translate(state(List.of(web(s -> s)), List.of(slice("10.244.1.1", true))));
        assertTrue(t.diff(t).isEmpty());
        LbTable again = translator.translate(state(List.of(web(s -> s)), List.of(slice("10.244.1.1", true))));
        assertTrue(again.diff(t).isEmpty(), "equal content, different instances");
    }

    @Test
    void a_new_endpoint_is_one_backend_added_to_one_frontend() {
        LbTable before = translator.translate(state(List.of(web(s -> s)), List.of(slice("10.244.1.1", true))));
        LbTable after = translator.translate(state(List.of(web(s -> s)), List.of(slice("10.244.1.1", true), slice("10.244.1.2", true))));
        LbDiff d = after.diff(before);
        assertEquals(List.of(), d.added());
        assertEquals(List.of(), d.removed());
        assertEquals(1, d.changed().size());
        assertEquals("10.244.1.2:8080 ready", d.changed().getFirst().backendsAdded().getFirst().describe());
        assertEquals(List.of("~ 10.96.0.1:80/TCP: +10.244.1.2:8080 ready"), d.describe());
    }

    @Test
    void an_endpoint_going_terminating_while_others_are_ready_is_removed() {
        LbTable before = translator.translate(state(List.of(web(s -> s)), List.of(slice("10.244.1.1", true), slice("10.244.1.2", true))));
        LbTable after = translator.translate(state(List.of(web(s -> s)), List.of(slice("10.244.1.1", true), slice("10.244.1.2", false))));
        assertEquals(List.of("~ 10.96.0.1:80/TCP: -10.244.1.2:8080 ready"), after.diff(before).describe());
    }

    @Test
    void a_service_removed_and_one_added_are_frontend_changes_and_settings_are_noticed() {
        LbTable before = translator.translate(state(List.of(web(s -> s)), List.of()));
        LbTable after = translator.translate(state(List.of(web(s -> withIp(s, "10.96.0.2"))), List.of()));
        LbDiff d = after.diff(before);
        assertEquals(1, d.added().size());
        assertEquals(1, d.removed().size());
        assertEquals("10.96.0.1:80/TCP", d.removed().getFirst().toString());

        LbTable sticky = translator.translate(state(List.of(web(LbDiffTest::sticky)), List.of()));
        LbDiff s = sticky.diff(before);
        assertEquals(1, s.changed().size());
        assertTrue(s.changed().getFirst().settingsChanged());
    }

    private static Service sticky(Service s) {
        return new Service(s.namespace(), s.name(), s.type(), s.clusterIps(), s.ports(), s.externalIps(), s.loadBalancerIps(),
                s.sourceRanges(), true, 600, false, false, 0, s.labels());
    }

    private static Service withIp(Service s, String ip) {
        return new Service(s.namespace(), s.name(), s.type(), List.of(IpAddresses.parse(ip).orElseThrow()), s.ports(),
                s.externalIps(), s.loadBalancerIps(), s.sourceRanges(), false, 10800, false, false, 0, s.labels());
    }

    static Service web(UnaryOperator<Service> change) {
        return change.apply(new Service("shop", "web", Service.Type.CLUSTER_IP, List.of(IpAddresses.parse("10.96.0.1").orElseThrow()),
                List.of(new Service.Port("http", Protocol.TCP, 80, 0)), List.of(), List.of(), List.of(), false,
                Service.DEFAULT_AFFINITY_TIMEOUT, false, false, 0, Map.of()));
    }

    static EndpointSlice slice(String ip, boolean ready) {
        return new EndpointSlice("shop", "web-" + ip.replace('.', '-'), "web", IpFamily.IPv4,
                List.of(new EndpointSlice.Port("http", Protocol.TCP, 8080)),
                List.of(new EndpointSlice.Endpoint(IpAddresses.parse(ip).orElseThrow(), ready, ready, !ready, "node-b", "", Set.of(), Set.of(), "")));
    }

    static ClusterState state(List<Service> services, List<EndpointSlice> slices) {
        return ClusterState.of(services, slices, List.of(), List.of());
    }
}
