package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_print;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends libbpf's own diagnostics to the {@code libbpf} SLF4J logger instead of stderr. Installed once, the first
 * time the BPF layer is used; errors that matter also reach callers as {@link BpfException}s.
 */
final class LibbpfLog {
    private LibbpfLog() {}

    private static final Logger LOG = LoggerFactory.getLogger("libbpf");

    /** Class initialisation installs the callback exactly once per process. */
    private static final class Installed {
        static final Object STUB = libbpf_print.install(LibbpfLog::log);
    }

    static void ensureInstalled() {
        Object ignored = Installed.STUB;
    }

    /** Points libbpf back at this logger (after a test replaced the sink). */
    static void reinstall() {
        libbpf_print.install(LibbpfLog::log);
    }

    private static void log(int level, String message) {
        switch (level) {
            case libbpf_print.LIBBPF_WARN -> LOG.warn(message);
            case libbpf_print.LIBBPF_INFO -> LOG.info(message);
            default -> LOG.debug(message);
        }
    }
}
