package dev.kpf.diagnostics.node;

import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;
import oshi.software.os.OperatingSystem;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Reads {@link NodeFacts} from the live node with OSHI (which reads /proc and /sys on Linux). */
public final class NodeFactsReader {
    private final SystemInfo system = new SystemInfo();

    public NodeFacts read() {
        OperatingSystem os = system.getOperatingSystem();
        HardwareAbstractionLayer hw = system.getHardware();
        CentralProcessor cpu = hw.getProcessor();
        GlobalMemory memory = hw.getMemory();
        OperatingSystem.OSVersionInfo version = os.getVersionInfo();
        List<NodeFacts.NetInterface> interfaces = new ArrayList<>();
        for (NetworkIF nif : hw.getNetworkIFs(true)) {
            List<String> addresses = new ArrayList<>();
            String[] v4 = nif.getIPv4addr();
            Short[] v4Prefix = nif.getSubnetMasks();
            for (int i = 0; i < v4.length; i++) addresses.add(v4[i] + (i < v4Prefix.length ? "/" + v4Prefix[i] : ""));
            String[] v6 = nif.getIPv6addr();
            Short[] v6Prefix = nif.getPrefixLengths();
            for (int i = 0; i < v6.length; i++) addresses.add(compact(v6[i]) + (i < v6Prefix.length ? "/" + v6Prefix[i] : ""));
            interfaces.add(new NodeFacts.NetInterface(nif.getName(), nif.getMacaddr(),
                    up(nif.getIfOperStatus()),
                    nif.getMTU(), addresses));
        }
        interfaces.sort(Comparator.comparing(NodeFacts.NetInterface::name));
        String pretty = os.getFamily() + " " + (version.getVersion() == null ? "" : version.getVersion())
                + (version.getCodeName() == null || version.getCodeName().isEmpty() ? "" : " (" + version.getCodeName() + ")");
        return new NodeFacts(os.getNetworkParams().getHostName(), pretty.trim(), os.getFamily(), version.getVersion(),
                System.getProperty("os.version"), cpu.getProcessorIdentifier().getName().trim(), cpu.getPhysicalProcessorCount(),
                cpu.getLogicalProcessorCount(), memory.getTotal(), memory.getAvailable(), Duration.ofSeconds(os.getSystemUptime()), interfaces);
    }

    /** fe80:0:0:0:fc:ff:fe00:1 as people write it: fe80::fc:ff:fe00:1. */
    static String compact(String v6) {
        try {
            return dev.kpf.dataplane.model.IpAddresses.format(java.net.InetAddress.getByName(v6.replaceAll("%.*$", "")));
        } catch (java.net.UnknownHostException e) {
            return v6;
        }
    }

    /** Linux reports "unknown" for loopback and tunnels that are up; only the down states count as down. */
    private static boolean up(NetworkIF.IfOperStatus status) {
        return switch (status) {
            case DOWN, LOWER_LAYER_DOWN, NOT_PRESENT -> false;
            default -> true;
        };
    }
}
