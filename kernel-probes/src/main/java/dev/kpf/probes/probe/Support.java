package dev.kpf.probes.probe;

/**
 * The kernel's answer for one feature. "Unsupported" is an answer, not an error; "unknown" means the probe could
 * not tell (missing privileges, no libbpf, a fixture tree instead of a live kernel) and says why.
 */
public sealed interface Support {
    record Supported() implements Support {}

    record Unsupported(String reason) implements Support {}

    record Unknown(String reason) implements Support {}

    Support SUPPORTED = new Supported();

    static Support unsupported(String reason) {
        return new Unsupported(reason);
    }

    static Support unknown(String reason) {
        return new Unknown(reason);
    }
}
