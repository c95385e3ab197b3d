package dev.kpf.probes.probe;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The fields of /etc/os-release that decide support: ID, ID_LIKE, VERSION_ID and PRETTY_NAME. */
public record OsRelease(String id, List<String> idLike, String versionId, String prettyName) {
    public enum Family { RHEL, UBUNTU, OTHER }

    /** Parses os-release text; empty when it names no ID (garbage, or not an os-release file). */
    public static java.util.Optional<OsRelease> parse(String text) {
        Map<String, String> kv = new HashMap<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            int eq = l.indexOf('=');
            if (l.startsWith("#") || eq <= 0) continue;
            String v = l.substring(eq + 1).strip();
            if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
                v = v.substring(1, v.length() - 1);
            }
            kv.put(l.substring(0, eq).strip(), v);
        }
        if (!kv.containsKey("ID") || !kv.get("ID").matches("[A-Za-z0-9._-]+")) return java.util.Optional.empty();
        String id = kv.get("ID").toLowerCase(java.util.Locale.ROOT);
        List<String> like = kv.containsKey("ID_LIKE") ? List.of(kv.get("ID_LIKE").toLowerCase(java.util.Locale.ROOT).split("\\s+")) : List.of();
        String pretty = kv.getOrDefault("PRETTY_NAME", kv.getOrDefault("NAME", id));
        return java.util.Optional.of(new OsRelease(id, like, kv.getOrDefault("VERSION_ID", ""), pretty));
    }

    /** Red Hat Enterprise Linux ({@code ID=rhel}) and Ubuntu are what the platform supports; rebuilds are OTHER. */
    public Family family() {
        return switch (id) {
            case "rhel" -> Family.RHEL;
            case "ubuntu" -> Family.UBUNTU;
            default -> Family.OTHER;
        };
    }

    /** The major version number, or -1 when VERSION_ID is not numeric. */
    public int majorVersion() {
        String major = versionId.split("\\.")[0];
        try {
            return Integer.parseInt(major);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
