package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_print;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** libbpf's printf-style output reaches Java formatted (through vsnprintf and the va_list), not stderr. */
class LibbpfLogTest {
    @Test
    void libbpf_messages_are_formatted_and_delivered_to_the_sink() {
        LibbpfLog.ensureInstalled();
        List<String> seen = new CopyOnWriteArrayList<>();
        libbpf_print.install((level, message) -> seen.add(level + " " + message));
        try (BpfObject object = BpfObject.open(Path.of("target/test-classes/bpf/kpf_test.bpf.o"))) {
            assertTrue(seen.stream().anyMatch(m -> m.equals("2 loading object from target/test-classes/bpf/kpf_test.bpf.o")),
                    "formatted debug message with its %s argument: " + seen);
            assertTrue(seen.stream().anyMatch(m -> m.contains("map 'kpf_test_hash': found max_entries = 1024.")), seen.toString());
        } finally {
            LibbpfLog.reinstall();
        }
    }
}
