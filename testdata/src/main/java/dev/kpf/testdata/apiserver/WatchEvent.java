package dev.kpf.testdata.apiserver;

import com.google.gson.JsonObject;

/** One change in the store: ADDED, MODIFIED or DELETED, the object as of that change, and its resource version. */
public record WatchEvent(String type, ResourceType resource, JsonObject object, long resourceVersion) {
    public String namespace() {
        JsonObject meta = object.getAsJsonObject("metadata");
        return meta != null && meta.has("namespace") ? meta.get("namespace").getAsString() : "";
    }
}
