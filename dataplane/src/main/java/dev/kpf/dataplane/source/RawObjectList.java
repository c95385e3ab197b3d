package dev.kpf.dataplane.source;

import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.openapi.models.V1ListMeta;

import java.util.List;

/** A list response kept as raw objects (see {@link RawObject}). */
public final class RawObjectList implements KubernetesListObject {
    private final String apiVersion;
    private final String kind;
    private final V1ListMeta metadata;
    private final List<RawObject> items;

    public RawObjectList(String apiVersion, String kind, V1ListMeta metadata, List<RawObject> items) {
        this.apiVersion = apiVersion;
        this.kind = kind;
        this.metadata = metadata;
        this.items = List.copyOf(items);
    }

    @Override
    public V1ListMeta getMetadata() {
        return metadata;
    }

    @Override
    public List<RawObject> getItems() {
        return items;
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public String getKind() {
        return kind;
    }
}
