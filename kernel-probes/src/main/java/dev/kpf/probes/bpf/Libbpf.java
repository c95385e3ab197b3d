package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;

import java.lang.foreign.Arena;
import java.util.Optional;

/** Facts about the libbpf this process uses, and whether it could be loaded at all. */
public final class Libbpf {
    private Libbpf() {}

    /** {@code major.minor} of the loaded libbpf, or why it could not be loaded. */
    public static Optional<String> version() {
        try (Arena arena = Arena.ofConfined()) {
            var state = Native.callState(arena);
            return Optional.of(libbpf_h.libbpf_major_version(state) + "." + libbpf_h.libbpf_minor_version(state));
        } catch (ExceptionInInitializerError | NoClassDefFoundError | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Possible CPUs (per-CPU map values hold one slot for each). */
    public static int possibleCpus() {
        try (Arena arena = Arena.ofConfined()) {
            return Native.check(libbpf_h.libbpf_num_possible_cpus(Native.callState(arena)), "count possible CPUs", "libbpf");
        }
    }

    /** Why libbpf cannot be used here, if it cannot. */
    public static Optional<String> unavailableReason() {
        try {
            libbpf_h.bindings();
            return Optional.empty();
        } catch (ExceptionInInitializerError e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return Optional.of("libbpf.so.1 could not be loaded (" + cause.getMessage() + "); install libbpf1 (apt-get install libbpf1)");
        } catch (NoClassDefFoundError e) {
            return Optional.of("libbpf.so.1 could not be loaded; install libbpf1 (apt-get install libbpf1)");
        }
    }
}
