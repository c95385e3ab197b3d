package dev.kpf.testdata.apiserver;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fake API server's protocol, spoken to with a plain HTTP client. */
class FakeApiServerIT {
    private FakeApiServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        server = FakeApiServer.start(0);
        DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).forEach(server.store()::put);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonObject getJson(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    @Test
    void discovery_lists_the_groups_and_resources() throws Exception {
        assertEquals("v1", getJson("/api").getAsJsonArray("versions").get(0).getAsString());
        String groups = getJson("/apis").toString();
        assertTrue(groups.contains("discovery.k8s.io/v1") && groups.contains("apps/v1") && groups.contains("baremetal.cluster.gke.io/v1"), groups);
        assertTrue(getJson("/apis/apps/v1").toString().contains("\"name\":\"daemonsets\""));
        assertEquals(404, get("/apis/nothing.example/v1").statusCode());
    }

    @Test
    void lists_are_namespaced_or_cluster_wide_and_page_with_limit_and_continue() throws Exception {
        JsonObject all = getJson("/api/v1/services");
        assertEquals("ServiceList", all.get("kind").getAsString());
        int total = all.getAsJsonArray("items").size();
        assertTrue(total >= 25, "demo has at least 25 services: " + total);
        JsonObject shop = getJson("/api/v1/namespaces/shop/services");
        assertTrue(shop.getAsJsonArray("items").size() < total);

        List<String> paged = new ArrayList<>();
        String cont = "";
        for (int page = 0; page < 100; page++) {
            JsonObject p = getJson("/api/v1/services?limit=7" + (cont.isEmpty() ? "" : "&continue=" + cont));
            p.getAsJsonArray("items").forEach(i -> paged.add(i.getAsJsonObject().getAsJsonObject("metadata").get("name").getAsString()));
            JsonObject meta = p.getAsJsonObject("metadata");
            if (!meta.has("continue")) break;
            cont = meta.get("continue").getAsString();
        }
        assertEquals(total, paged.size(), "pages cover every item once");
        assertEquals("node-a", getJson("/api/v1/nodes/node-a").getAsJsonObject("metadata").get("name").getAsString());
        assertEquals(404, get("/api/v1/namespaces/shop/services/nope").statusCode());
    }

    /**
     * A list holds every object as it is now: the JSON the server keeps of a listed object goes when the object
     * changes or is deleted, and a list's items are what the single GET of each gives.
     */
    @Test
    void a_list_after_changes_holds_each_object_as_it_is_now() throws Exception {
        JsonObject before = getJson("/api/v1/namespaces/shop/services");
        JsonObject cart = getJson("/api/v1/namespaces/shop/services/cart");
        cart.getAsJsonObject("metadata").addProperty("resourceVersion", "");
        cart.getAsJsonObject("metadata").add("labels", JsonParser.parseString("{\"changed\":\"yes\"}"));
        server.store().put(cart);
        server.store().delete(ResourceType.SERVICES, "shop", "email");
        JsonObject after = getJson("/api/v1/namespaces/shop/services");
        assertEquals(before.getAsJsonArray("items").size() - 1, after.getAsJsonArray("items").size(), "email is gone");
        for (var item : after.getAsJsonArray("items")) {
            String name = item.getAsJsonObject().getAsJsonObject("metadata").get("name").getAsString();
            assertEquals(getJson("/api/v1/namespaces/shop/services/" + name), item, name + " as a GET gives it");
        }
        assertEquals("yes", getJson("/api/v1/namespaces/shop/services/cart").getAsJsonObject("metadata")
                .getAsJsonObject("labels").get("changed").getAsString());
    }

    @Test
    void a_watch_streams_changes_after_its_resource_version() throws Exception {
        long rv = getJson("/api/v1/namespaces/shop/services").getAsJsonObject("metadata").get("resourceVersion").getAsLong();
        HttpRequest req = HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/namespaces/shop/services?watch=true&resourceVersion=" + rv + "&timeoutSeconds=5")).build();
        HttpResponse<java.io.InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        JsonObject svc = server.store().get(ResourceType.SERVICES, "shop", "cart").orElseThrow().deepCopy();
        svc.getAsJsonObject("metadata").add("labels", JsonParser.parseString("{\"tier\":\"web\"}"));
        server.store().put(svc);
        server.store().delete(ResourceType.SERVICES, "shop", "email");
        server.store().delete(ResourceType.SERVICES, "data", "redis"); // other namespace: not in this watch
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            JsonObject first = JsonParser.parseString(in.readLine()).getAsJsonObject();
            JsonObject second = JsonParser.parseString(in.readLine()).getAsJsonObject();
            assertEquals("MODIFIED", first.get("type").getAsString());
            assertEquals("web", first.getAsJsonObject("object").getAsJsonObject("metadata").getAsJsonObject("labels").get("tier").getAsString());
            assertEquals("DELETED", second.get("type").getAsString());
            assertEquals("email", second.getAsJsonObject("object").getAsJsonObject("metadata").get("name").getAsString());
        }
    }

    @Test
    void a_watch_from_a_compacted_version_gets_410_gone() throws Exception {
        long rv = getJson("/api/v1/services").getAsJsonObject("metadata").get("resourceVersion").getAsLong();
        server.store().compact();
        HttpResponse<String> r = get("/api/v1/services?watch=1&resourceVersion=" + (rv - 5) + "&timeoutSeconds=2");
        JsonObject event = JsonParser.parseString(r.body().lines().findFirst().orElseThrow()).getAsJsonObject();
        assertEquals("ERROR", event.get("type").getAsString());
        assertEquals(410, event.getAsJsonObject("object").get("code").getAsInt());
        assertEquals("Expired", event.getAsJsonObject("object").get("reason").getAsString());
    }

    @Test
    void faults_fail_requests_forbid_resources_and_take_the_api_down() throws Exception {
        server.faults().failNext(2, 500);
        assertEquals(500, get("/api/v1/services").statusCode());
        assertEquals(500, get("/api/v1/services").statusCode());
        assertEquals(200, get("/api/v1/services").statusCode());
        server.faults().forbid("daemonsets");
        HttpResponse<String> forbidden = get("/apis/apps/v1/daemonsets");
        assertEquals(403, forbidden.statusCode());
        assertTrue(forbidden.body().contains("cannot list resource \\\"daemonsets\\\""), forbidden.body());
        server.faults().down();
        assertEquals(503, get("/api/v1/nodes").statusCode());
        server.faults().up();
        assertNotNull(getJson("/api/v1/nodes"));
    }
}
