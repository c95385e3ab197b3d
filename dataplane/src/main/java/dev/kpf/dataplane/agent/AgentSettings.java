package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.bpf.ConntrackConfig;
import dev.kpf.probes.bpf.PinDirectory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What an agent is told, checked: where it attaches and pins, what it serves on, which interfaces carry traffic
 * from outside and how (devices, SNAT, conntrack, tc attachment, backend choice). The command line builds one from
 * flags with the parsers below (each names its flag and the fix in its error); the DaemonSet, the demo and tests
 * start agents from the same settings through {@link AgentRuntime}.
 *
 * @param metricsListen      a second listener serving only /metrics (for a cluster's Prometheus on the node address)
 * @param healthCheckAddress where externalTrafficPolicy Local Services' health check node ports are served; empty: not served
 * @param simulate           keep the table in memory instead of BPF maps (serves no traffic)
 */
public record AgentSettings(String nodeName, PinDirectory pins, Optional<Path> cgroup, InetSocketAddress listen,
                            Optional<InetSocketAddress> metricsListen, Map<String, Integer> capacities, Duration minSyncInterval,
                            Devices devices, Optional<InetAddress> snatIp, Optional<InetAddress> snatIp6, ConntrackConfig conntrack,
                            TcAttach tcAttach, boolean maglev, int maglevTableSize, Optional<InetAddress> healthCheckAddress,
                            boolean simulate) {
    public AgentSettings {
        capacities = Map.copyOf(capacities);
        if (!dev.kpf.dataplane.lb.Maglev.validSize(maglevTableSize)) {
            throw new IllegalArgumentException("--maglev-table-size " + maglevTableSize + ": use a prime from 251 to 65521");
        }
    }

    /**
     * An agent that keeps its table in memory (no BPF, no privileges): serving on a free loopback port, no health
     * check ports, no tc devices; for the demo, tests and embedding.
     */
    public static AgentSettings simulated(String nodeName) {
        return new AgentSettings(nodeName, new PinDirectory(Path.of("/nonexistent/kpf-simulated")), Optional.empty(),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty(), Map.of(), Duration.ofMillis(10), new Devices.None(),
                Optional.empty(), Optional.empty(), ConntrackConfig.DEFAULT, TcAttach.AUTO, false, 1021, Optional.empty(), true);
    }

    public AgentSettings withMetricsListen(Optional<InetSocketAddress> metrics) {
        return new AgentSettings(nodeName, pins, cgroup, listen, metrics, capacities, minSyncInterval, devices, snatIp, snatIp6, conntrack,
                tcAttach, maglev, maglevTableSize, healthCheckAddress, simulate);
    }

    public AgentSettings withHealthCheckAddress(Optional<InetAddress> address) {
        return new AgentSettings(nodeName, pins, cgroup, listen, metricsListen, capacities, minSyncInterval, devices, snatIp, snatIp6, conntrack,
                tcAttach, maglev, maglevTableSize, address, simulate);
    }

    /** The interfaces for traffic from outside the node. */
    public sealed interface Devices {
        /** The default route's interface and those with a node address, re-detected every 30 s. */
        record Auto() implements Devices {}

        /** No tc programs: only socket-level translation. */
        record None() implements Devices {}

        /** These interfaces, by name. */
        record Named(List<String> names) implements Devices {
            public Named {
                names = List.copyOf(names);
            }
        }

        /** {@code auto}, {@code none} or {@code IF,IF,...}. */
        static Devices parse(String text) {
            return switch (text) {
                case "auto" -> new Auto();
                case "none" -> new None();
                default -> {
                    List<String> names = java.util.Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
                    if (names.isEmpty()) throw new IllegalArgumentException("--devices " + text + ": use auto, none or IF,...");
                    yield new Named(names);
                }
            };
        }
    }

    /** How the tc programs attach: tcx links (6.6), clsact filters, or whichever the kernel has. */
    public enum TcAttach {
        AUTO, TCX, CLSACT;

        static TcAttach parse(String text) {
            return switch (text) {
                case "auto" -> AUTO;
                case "tcx" -> TCX;
                case "clsact" -> CLSACT;
                default -> throw new IllegalArgumentException("--tc-attach " + text + ": use auto, tcx or clsact");
            };
        }
    }

    /** {@code --devices}. */
    public static Devices devices(String text) {
        return Devices.parse(text);
    }

    /** {@code --tc-attach}. */
    public static TcAttach tcAttach(String text) {
        return TcAttach.parse(text);
    }

    /** {@code --lb-algorithm}: whether backends are chosen by Maglev (else at random). */
    public static boolean maglev(String text) {
        return switch (text) {
            case "random" -> false;
            case "maglev" -> true;
            default -> throw new IllegalArgumentException("--lb-algorithm " + text + ": use random or maglev");
        };
    }

    /** {@code ADDR:PORT} of {@code flag} ({@code [v6]:PORT} too). */
    public static InetSocketAddress listen(String flag, String text) {
        int colon = text.lastIndexOf(':');
        try {
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(text.substring(colon + 1)));
        } catch (RuntimeException | UnknownHostException e) {
            throw new IllegalArgumentException(flag + " " + text + ": use ADDR:PORT, e.g. " + AgentHttp.DEFAULT_LISTEN);
        }
    }

    /**
     * {@code --metrics-listen}: {@code none} (the default: /metrics only on {@code --listen}), {@code ADDR:PORT}, or
     * {@code node:PORT}, the node's own address from {@code env}'s {@code NODE_IP} (the DaemonSet sets it from the
     * pod's status.hostIP), so that a cluster's Prometheus can scrape the agent without the status API on the network.
     */
    public static Optional<InetSocketAddress> metricsListen(String text, Map<String, String> env) {
        if (text == null || text.isBlank() || text.equals("none")) return Optional.empty();
        if (text.startsWith("node:")) {
            String ip = env.get("NODE_IP");
            if (ip == null || ip.isBlank()) {
                throw new IllegalArgumentException("--metrics-listen " + text + ": NODE_IP is not set (the DaemonSet sets it from status.hostIP); "
                        + "use ADDR:PORT instead");
            }
            return Optional.of(listen("--metrics-listen", ip.strip() + ":" + text.substring("node:".length())));
        }
        return Optional.of(listen("--metrics-listen", text));
    }

    /**
     * {@code --health-check-address}: {@code auto} (all interfaces, as kube-proxy serves them; loopback for a
     * simulated agent, which serves no traffic), {@code none} or an address.
     */
    public static Optional<InetAddress> healthCheckAddress(String text, boolean simulate) {
        try {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "none" -> Optional.empty();
                case "auto" -> Optional.of(simulate ? InetAddress.getLoopbackAddress() : InetAddress.getByName("0.0.0.0"));
                default -> Optional.of(address("--health-check-address", text));
            };
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--health-check-address " + text + ": " + e.getMessage());
        }
    }

    /** An IP address given as text (never a name to resolve). */
    public static InetAddress address(String flag, String text) {
        return dev.kpf.dataplane.model.IpAddresses.parse(text.strip())
                .orElseThrow(() -> new IllegalArgumentException(flag + " " + text + ": not an IP address"));
    }

    /** {@code --snat-ports MIN-MAX} and the conntrack timeouts. */
    public static ConntrackConfig conntrack(String snatPorts, int tcpTimeoutSeconds, int udpTimeoutSeconds) {
        String[] range = snatPorts.split("-", 2);
        int min, max;
        try {
            min = Integer.parseInt(range[0].strip());
            max = Integer.parseInt(range[range.length - 1].strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--snat-ports " + snatPorts + ": use MIN-MAX, e.g. 1024-32767");
        }
        return new ConntrackConfig(min, max, Duration.ofSeconds(tcpTimeoutSeconds), Duration.ofSeconds(udpTimeoutSeconds),
                ConntrackConfig.DEFAULT.closingTimeout());
    }
}
