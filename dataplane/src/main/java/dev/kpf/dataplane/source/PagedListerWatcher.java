package dev.kpf.dataplane.source;

import com.google.gson.JsonParseException;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.Pair;
import io.kubernetes.client.openapi.models.V1ListMeta;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watchable;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.util.generic.options.ListOptions;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lists in pages of {@link #PAGE} items (limit/continue) instead of one response with every object, each page read
 * from the response as a stream ({@link RawJson}'s list adapter): the client's own list call parses a whole page into
 * a tree before anything reads it (at 10,000 x 10, 220 of the 880 MB the source allocated until its first state, in
 * a JVM with the agent's options: JFR's allocation samples, by hand). Watches as the informer asks, through the client.
 */
final class PagedListerWatcher implements ListerWatcher<RawObject, RawObjectList> {
    static final int PAGE = 500;
    private static final int MAX_PAGES = 100_000;

    private final ApiClient client;
    private final String path;
    private final String plural;
    private final GenericKubernetesApi<RawObject, RawObjectList> api;

    /** Lists and watches {@code plural} of {@code group} (empty for the core group) at {@code version}, cluster-wide. */
    PagedListerWatcher(ApiClient client, String group, String version, String plural) {
        this.client = client;
        this.path = (group.isEmpty() ? "/api/" : "/apis/" + group + "/") + version + "/" + plural;
        this.plural = plural;
        this.api = new GenericKubernetesApi<>(RawObject.class, RawObjectList.class, group, version, plural, client);
    }

    @Override
    public RawObjectList list(CallGeneratorParams params) throws ApiException {
        List<RawObject> items = new ArrayList<>();
        String cont = null;
        RawObjectList page = null;
        for (int i = 0; i < MAX_PAGES; i++) {
            // the first page may be served from the cache ("0"); later pages follow the continue token
            page = page(cont == null ? params.resourceVersion : null, cont, params.timeoutSeconds);
            items.addAll(page.getItems());
            cont = page.getMetadata() == null ? null : page.getMetadata().getContinue();
            if (cont == null || cont.isEmpty()) break;
        }
        V1ListMeta meta = page == null ? new V1ListMeta() : new V1ListMeta().resourceVersion(page.getMetadata().getResourceVersion());
        return new RawObjectList(page == null ? "" : page.getApiVersion(), page == null ? "" : page.getKind(), meta, items);
    }

    /** One page: {@code GET path?limit=PAGE} with the resource version or continue token given. */
    private RawObjectList page(String resourceVersion, String cont, Integer timeoutSeconds) throws ApiException {
        List<Pair> query = new ArrayList<>(client.parameterToPair("limit", PAGE));
        query.addAll(client.parameterToPair("resourceVersion", resourceVersion));
        query.addAll(client.parameterToPair("continue", cont));
        query.addAll(client.parameterToPair("timeoutSeconds", timeoutSeconds));
        Map<String, String> headers = new HashMap<>(Map.of("Accept", "application/json"));
        okhttp3.Call call = client.buildCall(client.getBasePath(), path, "GET", query, new ArrayList<>(), null, headers,
                new HashMap<>(), new HashMap<>(), new String[] {"BearerToken"}, null);
        try (okhttp3.Response response = call.execute()) {
            if (!response.isSuccessful()) throw failure(response);
            RawObjectList page;
            try (Reader body = response.body().charStream()) {
                page = JSON.getGson().fromJson(body, RawObjectList.class);
            } catch (JsonParseException e) {
                // Gson wraps what the connection threw while it read (a reset, a timeout) as a syntax error
                if (e.getCause() instanceof IOException io) throw io;
                throw new ApiException(response.code(), response.headers().toMultimap(), "list " + plural + ": unreadable answer: " + e.getMessage());
            }
            if (page == null) throw new ApiException(response.code(), response.headers().toMultimap(), "list " + plural + ": the answer had no body");
            return page;
        } catch (IOException e) {
            // no answer, or none to the end: as the client reports it (code 0, the cause says why)
            throw new ApiException(e);
        }
    }

    /** A refused list as the client reports a refused call: the HTTP status, headers and body (a Status, usually). */
    private static ApiException failure(okhttp3.Response response) throws IOException {
        String body = response.body() == null ? null : response.body().string();
        return new ApiException(response.code(), response.headers().toMultimap(), body);
    }

    @Override
    public Watchable<RawObject> watch(CallGeneratorParams params) throws ApiException {
        ListOptions options = new ListOptions().resourceVersion(params.resourceVersion).timeoutSeconds(params.timeoutSeconds);
        return api.watch(options);
    }
}
