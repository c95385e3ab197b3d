package dev.kpf.diagnostics.node;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What a support engineer first wants to know about a node: OS, kernel, CPU, memory, uptime and the network
 * interfaces with their addresses. A snapshot; {@link NodeFactsReader} reads it from the live node.
 */
public record NodeFacts(String hostname, String os, String osFamily, String osVersion, String kernel, String cpuModel,
                        int physicalCores, int logicalCpus, long memoryTotalBytes, long memoryAvailableBytes,
                        Duration uptime, List<NetInterface> interfaces) {
    public NodeFacts {
        interfaces = List.copyOf(interfaces);
    }

    /** One network interface: name, MAC, whether it is up, MTU and its IPv4/IPv6 addresses with prefix length. */
    public record NetInterface(String name, String mac, boolean up, long mtu, List<String> addresses) {
        public NetInterface {
            addresses = List.copyOf(addresses);
        }
    }

    /** One line: OS, kernel, CPUs, memory, uptime and how many interfaces carry addresses. */
    public String summary() {
        long withAddresses = interfaces.stream().filter(i -> !i.addresses().isEmpty()).count();
        return String.format(Locale.ROOT, "%s, kernel %s, %d CPUs (%s), %s memory (%s available), up %s, %d interfaces with addresses",
                os, kernel, logicalCpus, cpuModel, bytes(memoryTotalBytes), bytes(memoryAvailableBytes), human(uptime), withAddresses);
    }

    public static String bytes(long n) {
        if (n < 1024) return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    public static String human(Duration d) {
        long days = d.toDays();
        long hours = d.toHoursPart();
        long minutes = d.toMinutesPart();
        if (days > 0) return days + "d " + hours + "h";
        if (hours > 0) return hours + "h " + minutes + "m";
        return minutes + "m " + d.toSecondsPart() + "s";
    }
}
