package dev.kpf.probes.probe;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** A kernel build configuration as found in /proc/config.gz or /boot/config-RELEASE. */
public record KernelConfig(String source, Map<String, String> options) {
    public static KernelConfig parse(String source, String text) {
        Map<String, String> options = new HashMap<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            int eq = l.indexOf('=');
            if (l.startsWith("CONFIG_") && eq > 0) options.put(l.substring(0, eq), l.substring(eq + 1));
        }
        return new KernelConfig(source, Map.copyOf(options));
    }

    /** y, m, a value, or empty when the option is not set. */
    public Optional<String> get(String option) {
        return Optional.ofNullable(options.get(option));
    }

    public boolean enabled(String option) {
        return get(option).map(v -> v.equals("y") || v.equals("m")).orElse(false);
    }
}
