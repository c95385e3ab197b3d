package dev.kpf.dataplane.load;

import com.google.gson.JsonObject;

/** One object read from a file or the API: its JSON form and where it came from ({@code file:line} or {@code api}). */
public record SourceDocument(JsonObject object, String location) {}
