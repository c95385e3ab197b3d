package dev.kpf.dataplane.source;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.model.ObjectRef;
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
    // identity only, as plain fields: a V1ObjectMeta per cached object cost 72 bytes more (1.6 MB at 10,000 x 10)
    private final String name;
    private final String namespace;
    /**
     * The resource version as a number when it is a decimal without leading zeros that fits a {@code long} (as every
     * API server writes them: etcd's revision), else -1 and the text in {@link #versionText}: a text per cached object
     * cost 48 bytes (about 1 MB at 10,000 x 10).
     */
    private final long version;
    private final String versionText;

    /**
     * An object from its tree (tests, and the marker of a delete); the informers' objects are read from the stream
     * without one ({@link RawObjectReader}).
     */
    public RawObject(JsonObject json) {
        this(json.toString(), primitive(json, "kind"), primitive(json, "apiVersion"), primitive(metadata(json), "name"),
                primitive(metadata(json), "namespace"), primitive(metadata(json), "resourceVersion"));
    }

    /**
     * An object as its compact JSON text and the identity read from it (each null when the object has none). The
     * informers' caches hold one of these per object for as long as it exists: kind, apiVersion and namespace repeat
     * across objects (one interned copy each), and the uid is not kept (keys are namespace/name).
     */
    RawObject(String text, String kind, String apiVersion, String name, String namespace, String resourceVersion) {
        this.text = text;
        this.kind = kind == null ? null : kind.intern();
        this.apiVersion = apiVersion == null ? null : apiVersion.intern();
        this.name = name;
        this.namespace = namespace == null ? null : namespace.intern();
        this.version = number(resourceVersion);
        this.versionText = version < 0 ? resourceVersion : null;
    }

    private static JsonObject metadata(JsonObject json) {
        return json.has("metadata") && json.get("metadata").isJsonObject() ? json.getAsJsonObject("metadata") : new JsonObject();
    }

    /** A field's text when it is a string, number or boolean, else null (as {@link RawObjectReader} reads it). */
    private static String primitive(JsonObject o, String field) {
        return o.get(field) instanceof com.google.gson.JsonPrimitive p ? p.getAsString() : null;
    }

    /**
     * Called by the informer's reflector on list items (which the API sends without kind): kept here and put into the
     * tree {@link #json} gives, not written into the text (parsing and writing it again for kind and apiVersion was
     * two of the four parses and two of the three writes each listed object took, by JFR's allocation samples of an
     * agent starting at 10,000 x 10).
     */
    public void setKind(String kind) {
        if (kind != null) this.kind = kind.intern();
    }

    /** Called by the informer's reflector on list items (which the API sends without apiVersion): as {@link #setKind}. */
    public void setApiVersion(String apiVersion) {
        if (apiVersion != null) this.apiVersion = apiVersion.intern();
    }

    /**
     * The object as a JSON tree, parsed from the text each time (callers decode it once per resource version), with
     * the kind and apiVersion this object has (the reflector's, for a list's items).
     */
    public JsonObject json() {
        String t = text;
        if (t == null) throw new IllegalStateException(key() + " was released after decoding");
        JsonObject o = com.google.gson.JsonParser.parseString(t).getAsJsonObject();
        if (kind != null) o.addProperty("kind", kind);
        if (apiVersion != null) o.addProperty("apiVersion", apiVersion);
        return o;
    }

    /** Whether the text is still held (not yet {@link #release}d). */
    public boolean holdsText() {
        return text != null;
    }

    /** Drops the text once this version is decoded: the decoded model is what stays in memory. */
    public void release() {
        text = null;
    }

    /**
     * The identity the informers read (name, namespace, resource version), made on each call: the informers only
     * read it (keys, resource versions), and a kept one per cached object cost more than the calls do.
     */
    @Override
    public V1ObjectMeta getMetadata() {
        return new V1ObjectMeta().name(name).namespace(namespace).resourceVersion(resourceVersion());
    }

    /** metadata.name, or null when the object has none. */
    public String name() {
        return name;
    }

    /** metadata.namespace (one interned instance per namespace), or null for a cluster-scoped object. */
    public String namespace() {
        return namespace;
    }

    /** The resource version, or null when the object has none (made on each call when kept as a number). */
    public String resourceVersion() {
        return version >= 0 ? Long.toString(version) : versionText;
    }

    /** The resource version as a number, or -1 when it is kept as text ({@link #versionText}) or there is none. */
    long version() {
        return version;
    }

    /** The resource version when it is not kept as a number, else null. */
    String versionText() {
        return versionText;
    }

    /** Whether this object has a resource version and it is the one given ({@link #version}, {@link #versionText}). */
    boolean sameVersion(long otherVersion, String otherText) {
        return version >= 0 ? version == otherVersion : versionText != null && versionText.equals(otherText);
    }

    /** {@code text} as a number when it is a decimal without leading zeros (or "0") that fits a long, else -1. */
    private static long number(String text) {
        if (text == null || text.isEmpty() || text.length() > 18 || (text.length() > 1 && text.charAt(0) == '0')) return -1;
        long n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public String getKind() {
        return kind;
    }

    /**
     * Kind, namespace (empty when none) and name, without parsing the text: made of this object's own instances, so a
     * map keyed by it holds 24 bytes per object where a {@code kind/namespace/name} text took about 70 (1 MB at
     * 10,000 Services x 10 endpoints).
     */
    public ObjectRef key() {
        return new ObjectRef(kind == null ? "" : kind, namespace == null ? "" : namespace, name == null ? "" : name);
    }
}
