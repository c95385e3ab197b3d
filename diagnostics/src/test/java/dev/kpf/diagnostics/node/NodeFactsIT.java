package dev.kpf.diagnostics.node;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Node facts read through OSHI agree with what the kernel itself reports in /proc. */
class NodeFactsIT {
    private final NodeFacts facts = new NodeFactsReader().read();

    @Test
    void kernel_hostname_cpus_and_memory_match_proc() throws Exception {
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim(), facts.kernel());
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/hostname")).trim(), facts.hostname());
        long processors = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
        assertEquals(processors, facts.logicalCpus());
        long memTotalKiB = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
        assertEquals(memTotalKiB * 1024, facts.memoryTotalBytes());
        assertTrue(facts.memoryAvailableBytes() > 0 && facts.memoryAvailableBytes() <= facts.memoryTotalBytes(), facts.toString());
        assertTrue(!facts.cpuModel().isBlank(), facts.toString());
    }

    @Test
    void loopback_is_listed_up_with_its_addresses() {
        NodeFacts.NetInterface lo = facts.interfaces().stream().filter(i -> i.name().equals("lo")).findFirst().orElseThrow();
        assertTrue(lo.up(), lo.toString());
        assertTrue(lo.addresses().contains("127.0.0.1/8"), lo.toString());
    }

    @Test
    void the_os_matches_os_release_and_uptime_matches_proc() throws Exception {
        String osRelease = Files.readString(Path.of("/etc/os-release"));
        assertTrue(osRelease.contains(facts.osVersion().split(" ")[0]), facts.os() + " vs " + osRelease);
        double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        assertTrue(Math.abs(uptime - facts.uptime().toSeconds()) < 5, uptime + " vs " + facts.uptime());
        assertTrue(facts.summary().contains("kernel " + facts.kernel()), facts.summary());
    }

    @Test
    void sizes_and_durations_read_as_people_write_them() {
        assertEquals("512 B", NodeFacts.bytes(512));
        assertEquals("24.0 GiB", NodeFacts.bytes(24L << 30));
        assertEquals("3d 4h", NodeFacts.human(java.time.Duration.ofHours(76).plusMinutes(5)));
        assertEquals("2m 5s", NodeFacts.human(java.time.Duration.ofSeconds(125)));
    }
}
