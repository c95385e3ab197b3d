package dev.kpf.testdata.apiserver;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.dataplane.source.KubeSource;
import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * KubeSource with the official client's informers against the fake API server: first sync, live updates, dropped
 * watches, 410 Gone after compaction, an API outage (the last state stays) and burst coalescing.
 */
class KubeSourceIT {
    @TempDir
    Path dir;
    private FakeApiServer server;
    private KubeSource source;
    private final AtomicReference<ClusterState> latest = new AtomicReference<>();
    private final AtomicInteger publishes = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        server = FakeApiServer.start(0);
        DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).forEach(server.store()::put);
    }

    private void startSource(Duration minInterval) throws Exception {
        source = new KubeSource(KubeClients.fromKubeconfig(server.writeKubeconfig(dir.resolve("kubeconfig"))), "test",
                minInterval, Duration.ofMinutes(5), Clock.systemUTC());
        source.start(s -> {
            latest.set(s);
            publishes.incrementAndGet();
        });
    }

    @AfterEach
    void stop() {
        if (source != null) source.close();
        server.close();
    }

    /** Waits (at most 15 s, polling every 20 ms) until a published state satisfies the condition. */
    private ClusterState awaitState(String what, Predicate<ClusterState> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            ClusterState s = latest.get();
            if (s != null && condition.test(s)) return s;
            Thread.sleep(20);
        }
        fail("no published state with " + what + " within 15 s; status " + source.status());
        return null;
    }

    private static boolean hasService(ClusterState s, String ns, String name) {
        return s.services().containsKey(ObjectRef.service(ns, name));
    }

    private void addEndpoint(String ns, String sliceName, String ip) {
        JsonObject slice = server.store().get(ResourceType.ENDPOINTSLICES, ns, sliceName).orElseThrow().deepCopy();
        JsonObject ep = slice.getAsJsonArray("endpoints").get(0).getAsJsonObject().deepCopy();
        ep.getAsJsonArray("addresses").set(0, new com.google.gson.JsonPrimitive(ip));
        slice.getAsJsonArray("endpoints").add(ep);
        server.store().put(slice);
    }

    private static boolean hasBackend(ClusterState s, String vip, String ip) {
        LbTable t = new ServiceTranslator("node-a").translate(s);
        return t.entries().values().stream().anyMatch(e -> e.frontend().toString().startsWith(vip)
                && e.backends().stream().anyMatch(b -> b.address().getHostAddress().equals(ip)));
    }

    @Test
    void the_first_published_state_holds_everything_and_translates() throws Exception {
        startSource(Duration.ofMillis(50));
        ClusterState s = awaitState("all demo services", st -> hasService(st, "shop", "cart") && st.nodes().size() == 3);
        long demoServices = DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).stream()
                .filter(o -> o.get("kind").getAsString().equals("Service")).count();
        assertEquals(demoServices, s.services().size());
        LbTable table = new ServiceTranslator("node-a").translate(s);
        LbEntry dns = table.entries().values().stream().filter(e -> e.frontend().toString().equals("10.96.0.10:53/UDP")).findFirst().orElseThrow();
        assertEquals(2, dns.backends().size());
        assertTrue(source.status().synced());
    }

    /** The informers' threads (controller, reflector, resync, one per kind each) end when the source closes. */
    @Test
    void closing_the_source_ends_its_informer_threads() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        startSource(Duration.ofMillis(50));
        awaitState("all demo services", st -> hasService(st, "shop", "cart"));
        assertEquals(3, informerThreads(before).stream().filter(t -> t.getName().startsWith("informer-controller")).count(),
                "one controller thread per kind: " + informerThreads(before));
        source.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!informerThreads(before).isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(List.of(), informerThreads(before).stream().map(Thread::getName).toList(), "informer threads still running 10 s after close");
    }

    /** Live informer threads started since {@code before}. */
    private static List<Thread> informerThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && !before.contains(t))
                .filter(t -> t.getName().startsWith("informer-controller") || t.getName().startsWith("controller-")).toList();
    }

    /**
     * A slice changed at one endpoint is decoded again, and the published model keeps the previous instances of the
     * endpoints that did not change (model, table and writer's mirror then share one object per endpoint).
     */
    @Test
    void a_changed_slice_keeps_the_instances_of_its_unchanged_endpoints() throws Exception {
        startSource(Duration.ofMillis(50));
        ClusterState first = awaitState("first sync", st -> hasService(st, "shop", "cart"));
        EndpointSlice before = first.slices().get(new ObjectRef("EndpointSlice", "shop", "cart-v4"));
        addEndpoint("shop", "cart-v4", "10.244.9.1");
        ClusterState second = awaitState("the new cart endpoint", st -> hasBackend(st, "10.96.3.", "10.244.9.1"));
        EndpointSlice after = second.slices().get(new ObjectRef("EndpointSlice", "shop", "cart-v4"));
        assertEquals(before.endpoints().size() + 1, after.endpoints().size());
        for (int i = 0; i < before.endpoints().size(); i++) {
            assertSame(before.endpoints().get(i), after.endpoints().get(i), "unchanged endpoint " + before.endpoints().get(i).address());
        }
    }

    @Test
    void changes_arrive_and_survive_dropped_watches_and_410_gone() throws Exception {
        startSource(Duration.ofMillis(50));
        awaitState("first sync", st -> hasService(st, "shop", "cart"));
        addEndpoint("shop", "cart-v4", "10.244.9.1");
        awaitState("the new cart endpoint", st -> hasBackend(st, "10.96.3.", "10.244.9.1"));

        server.faults().dropWatches();
        addEndpoint("shop", "cart-v4", "10.244.9.2");
        awaitState("an endpoint added after the watch dropped", st -> hasBackend(st, "10.96.3.", "10.244.9.2"));

        // the informer's next watch starts from a version the server has compacted away: 410, then a relist
        server.store().compact();
        server.faults().dropWatches();
        addEndpoint("shop", "cart-v4", "10.244.9.3");
        server.store().compact();
        awaitState("an endpoint added around a 410 Gone", st -> hasBackend(st, "10.96.3.", "10.244.9.3"));
        server.store().delete(ResourceType.SERVICES, "shop", "email");
        awaitState("the deleted service gone", st -> !hasService(st, "shop", "email"));
    }

    /**
     * After a relist (a watch from a compacted version gets 410 Gone) the informers hold new copies of every object,
     * most at the version already decoded: their JSON text is dropped too, not kept until the object next changes.
     */
    @Test
    void after_a_relist_the_caches_keep_no_json_text_of_objects_that_did_not_change() throws Exception {
        startSource(Duration.ofMillis(50));
        awaitState("first sync", st -> hasService(st, "shop", "cart"));
        awaitTexts("after the first sync");
        server.store().compact();
        server.faults().dropWatches();
        addEndpoint("shop", "cart-v4", "10.244.9.4");
        server.store().compact();
        awaitState("an endpoint added around a 410 Gone", st -> hasBackend(st, "10.96.3.", "10.244.9.4"));
        awaitTexts("after the relist");
    }

    /** Waits (at most 10 s) until no cached object holds its JSON text. */
    private void awaitTexts(String when) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (source.undecodedTexts() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(0, source.undecodedTexts(), "objects still holding their JSON text " + when);
    }

    @Test
    void an_api_outage_keeps_the_last_state_and_is_reported() throws Exception {
        startSource(Duration.ofMillis(50));
        ClusterState before = awaitState("first sync", st -> hasService(st, "shop", "cart"));
        server.faults().down();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (source.status().lastError().isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(source.status().lastError().isPresent(), "the outage is reported: " + source.status());
        assertEquals(before.services().keySet(), source.snapshot().services().keySet(), "nothing was dropped during the outage");
        assertEquals(before.services().keySet(), latest.get().services().keySet());
        server.faults().up();
        addEndpoint("shop", "cart-v4", "10.244.9.9");
        awaitState("recovery", st -> hasBackend(st, "10.96.3.", "10.244.9.9"));
    }

    /**
     * A source asked to prefetch lists every kind at once (an agent loads its BPF programs meanwhile) and publishes
     * nothing until started; started, it publishes what its informers hold, even if the API server went away since.
     */
    @Test
    void a_prefetching_source_lists_before_it_is_started() throws Exception {
        source = new KubeSource(KubeClients.fromKubeconfig(server.writeKubeconfig(dir.resolve("kubeconfig"))), "test",
                Duration.ofMillis(50), Duration.ofMinutes(5), Clock.systemUTC());
        long listed = DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).stream()
                .filter(o -> Set.of("Service", "EndpointSlice", "Node").contains(o.get("kind").getAsString())).count();
        source.prefetch();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (source.undecodedTexts() < listed && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(listed, source.undecodedTexts(), "every object listed before start");
        assertEquals(0, source.status().publishes());
        server.faults().down();
        source.start(s -> {
            latest.set(s);
            publishes.incrementAndGet();
        });
        ClusterState first = awaitState("the first state", st -> hasService(st, "shop", "cart"));
        assertTrue(!first.slices().isEmpty() && !first.nodes().isEmpty(), "slices and nodes too");
    }

    /**
     * A list the API server refuses is reported with its HTTP status and the Status message it sent, which names the
     * resource and the account (what to grant), and nothing is published until every kind could be listed.
     */
    @Test
    void a_refused_list_is_reported_with_the_api_servers_message() throws Exception {
        server.faults().forbid("endpointslices");
        startSource(Duration.ofMillis(50));
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (source.status().lastError().isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
        String error = source.status().lastError().orElseThrow(() -> new AssertionError("no error reported: " + source.status()));
        assertTrue(error.startsWith("list/watch endpointslices: HTTP 403 endpointslices is forbidden: User \"system:serviceaccount:kube-system:kpf\""), error);
        assertEquals(0, publishes.get(), "nothing published before every kind was listed");
        server.faults().allow("endpointslices");
        awaitState("the slices once allowed", st -> hasService(st, "shop", "cart") && !st.slices().isEmpty());
    }

    /**
     * Changes made while the informers could not watch come back through their relist: a deletion as the FIFO's
     * marker (which the cache once threw on, losing the deletion until a restart), a change as a resync (which the
     * client hands only to handlers whose resync is due). Both are published as soon as the API server answers again.
     */
    @Test
    void changes_made_during_an_api_outage_are_published_once_it_answers_again() throws Exception {
        startSource(Duration.ofMillis(50));
        awaitState("first sync", st -> hasService(st, "shop", "cart") && hasService(st, "shop", "email"));
        server.faults().down();
        server.faults().dropWatches();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (source.status().lastError().isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(source.status().lastError().isPresent(), "the outage is reported: " + source.status());
        addEndpoint("shop", "cart-v4", "10.244.9.8");
        server.store().delete(ResourceType.SERVICES, "shop", "email");
        server.faults().up();
        awaitState("the endpoint added and the service deleted during the outage",
                st -> hasBackend(st, "10.96.3.", "10.244.9.8") && !hasService(st, "shop", "email"));
    }

    @Test
    void a_burst_of_changes_is_coalesced_into_few_publishes() throws Exception {
        startSource(Duration.ofMillis(500));
        awaitState("first sync", st -> hasService(st, "shop", "cart"));
        Thread.sleep(600);
        int before = publishes.get();
        for (int i = 1; i <= 40; i++) addEndpoint("shop", "cart-v4", "10.244.8." + i);
        awaitState("the whole burst", st -> hasBackend(st, "10.96.3.", "10.244.8.40"));
        int used = publishes.get() - before;
        assertTrue(used >= 1 && used <= 6, "40 changes within about one interval publish a few states, not 40: " + used);
    }
}
