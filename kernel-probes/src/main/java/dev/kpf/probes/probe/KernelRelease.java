package dev.kpf.probes.probe;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel release such as {@code 5.15.0-91-generic}, {@code 4.18.0-513.el8.x86_64} or {@code 6.8.0-1012-gcp}:
 * the version triple and the distribution's suffix, comparable by version.
 */
public record KernelRelease(int major, int minor, int patch, String suffix, String text) implements Comparable<KernelRelease> {
    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?(.*)$");

    public static Optional<KernelRelease> parse(String text) {
        String t = text.strip();
        Matcher m = RELEASE.matcher(t);
        if (!m.matches()) return Optional.empty();
        return Optional.of(new KernelRelease(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), m.group(4), t));
    }

    public static KernelRelease of(int major, int minor, int patch) {
        return new KernelRelease(major, minor, patch, "", major + "." + minor + "." + patch);
    }

    public boolean atLeast(int major, int minor, int patch) {
        return compareTo(of(major, minor, patch)) >= 0;
    }

    @Override
    public int compareTo(KernelRelease o) {
        if (major != o.major) return Integer.compare(major, o.major);
        if (minor != o.minor) return Integer.compare(minor, o.minor);
        return Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return text;
    }
}
