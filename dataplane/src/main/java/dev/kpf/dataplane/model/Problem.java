package dev.kpf.dataplane.model;

/**
 * Something wrong with the input, reported and skipped: which object (when known), where it came from
 * ({@code file:line} for files, {@code api} for the API server) and what is wrong, phrased so the fix is clear.
 */
public record Problem(String object, String location, String message) {
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (!location.isEmpty()) b.append(location).append(": ");
        if (!object.isEmpty()) b.append(object).append(": ");
        return b.append(message).toString();
    }
}
