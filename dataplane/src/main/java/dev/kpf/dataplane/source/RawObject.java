package dev.kpf.dataplane.source;

import com.google.gson.JsonObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1ObjectMeta;

/**
 * A Kubernetes object kept as its JSON tree, for the client's informers. The generated model classes reject any
 * field they do not know, so one new field in a newer API server would stop an informer; kpf decodes the tree
 * itself ({@code ObjectDecoder}) and only needs identity from the metadata.
 */
public final class RawObject implements KubernetesObject {
    /**
     * The object as compact JSON text: informer caches hold every object, and text is far smaller than a tree.
     * Released (null) once kpf has decoded this version, since nothing reads it again.
     */
    private volatile String text;
    private String kind;
    private String apiVersion;
    private final V1ObjectMeta metadata;

    public RawObject(JsonObject json) {
        this.text = json.toString();
        // the informers' caches hold one of these per object for as long as it exists: kind, apiVersion and namespace
        // repeat across objects (one interned copy each), and the uid is not kept (keys are namespace/name)
        this.kind = json.has("kind") ? json.get("kind").getAsString().intern() : null;
        this.apiVersion = json.has("apiVersion") ? json.get("apiVersion").getAsString().intern() : null;
        JsonObject m = json.has("metadata") && json.get("metadata").isJsonObject() ? json.getAsJsonObject("metadata") : new JsonObject();
        this.metadata = new V1ObjectMeta()
                .name(m.has("name") ? m.get("name").getAsString() : null)
                .namespace(m.has("namespace") ? m.get("namespace").getAsString().intern() : null)
                .resourceVersion(m.has("resourceVersion") ? m.get("resourceVersion").getAsString() : null);
        // the generated model starts every collection empty (two maps, three lists: 170 bytes an object); none is read
        metadata.setLabels(null);
        metadata.setAnnotations(null);
        metadata.setFinalizers(null);
        metadata.setManagedFields(null);
        metadata.setOwnerReferences(null);
    }

    /** Called by the informer's reflector on list items (which the API sends without kind). */
    public void setKind(String kind) {
        if (kind == null) return;
        JsonObject o = json();
        o.addProperty("kind", kind);
        text = o.toString();
        this.kind = kind.intern();
    }

    /** Called by the informer's reflector on list items (which the API sends without apiVersion). */
    public void setApiVersion(String apiVersion) {
        if (apiVersion == null) return;
        JsonObject o = json();
        o.addProperty("apiVersion", apiVersion);
        text = o.toString();
        this.apiVersion = apiVersion.intern();
    }

    /** The object as a JSON tree, parsed from the text each time (callers decode it once per resource version). */
    public JsonObject json() {
        String t = text;
        if (t == null) throw new IllegalStateException(key() + " was released after decoding");
        return com.google.gson.JsonParser.parseString(t).getAsJsonObject();
    }

    /** Whether the text is still held (not yet {@link #release}d). */
    public boolean holdsText() {
        return text != null;
    }

    /** Drops the text once this version is decoded: the decoded model is what stays in memory. */
    public void release() {
        text = null;
    }

    @Override
    public V1ObjectMeta getMetadata() {
        return metadata;
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public String getKind() {
        return kind;
    }

    /** kind/namespace/name, without parsing the text. */
    public String key() {
        return kind + "/" + (metadata.getNamespace() == null ? "" : metadata.getNamespace()) + "/"
                + (metadata.getName() == null ? "" : metadata.getName());
    }
}
