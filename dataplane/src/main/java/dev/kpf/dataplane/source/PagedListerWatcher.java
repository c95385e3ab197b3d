package dev.kpf.dataplane.source;

import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1ListMeta;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watchable;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.options.ListOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * Lists in pages of {@link #PAGE} items (limit/continue) instead of one response with every object, so the first
 * list of a large cluster never holds all objects as one parse tree; watches as the informer asks.
 */
final class PagedListerWatcher implements ListerWatcher<RawObject, RawObjectList> {
    static final int PAGE = 500;
    private static final int MAX_PAGES = 100_000;

    private final GenericKubernetesApi<RawObject, RawObjectList> api;

    PagedListerWatcher(GenericKubernetesApi<RawObject, RawObjectList> api) {
        this.api = api;
    }

    @Override
    public RawObjectList list(CallGeneratorParams params) throws ApiException {
        List<RawObject> items = new ArrayList<>();
        String cont = null;
        RawObjectList page = null;
        for (int i = 0; i < MAX_PAGES; i++) {
            ListOptions options = new ListOptions().limit(PAGE).timeoutSeconds(params.timeoutSeconds);
            // the first page may be served from the cache ("0"); later pages follow the continue token
            if (cont == null) options.resourceVersion(params.resourceVersion);
            else options._continue(cont);
            KubernetesApiResponse<RawObjectList> response = api.list(options);
            if (!response.isSuccess()) {
                throw new ApiException(response.getHttpStatusCode(), response.getStatus() == null ? "list failed" : response.getStatus().getMessage());
            }
            page = response.getObject();
            items.addAll(page.getItems());
            cont = page.getMetadata() == null ? null : page.getMetadata().getContinue();
            if (cont == null || cont.isEmpty()) break;
        }
        V1ListMeta meta = page == null ? new V1ListMeta() : new V1ListMeta().resourceVersion(page.getMetadata().getResourceVersion());
        return new RawObjectList(page == null ? "" : page.getApiVersion(), page == null ? "" : page.getKind(), meta, items);
    }

    @Override
    public Watchable<RawObject> watch(CallGeneratorParams params) throws ApiException {
        ListOptions options = new ListOptions().resourceVersion(params.resourceVersion).timeoutSeconds(params.timeoutSeconds);
        return api.watch(options);
    }
}
