package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.bpf.Datapath;
import dev.kpf.dataplane.bpf.DatapathException;
import dev.kpf.dataplane.bpf.Device;
import dev.kpf.dataplane.bpf.DeviceDetector;
import dev.kpf.dataplane.bpf.SimulatedDatapath;
import dev.kpf.probes.bpf.Cgroup2Mount;
import dev.kpf.probes.probe.KernelRelease;
import dev.kpf.probes.probe.LiveKernelFeatures;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Opens the datapath an agent's settings ask for: the BPF datapath on the cgroup (the cgroup2 mount's root unless
 * named), with the tc programs on the devices (detected, or named), SNAT to the devices' node addresses (or the
 * ones given), attached with tcx links where the kernel has them and clsact filters where not; or the simulated one.
 * Every refusal says what is missing and how to give it.
 */
public final class AgentDatapath {
    private AgentDatapath() {}

    public static Datapath open(AgentSettings s) {
        if (s.simulate()) return new SimulatedDatapath();
        Path cgroup = s.cgroup().orElseGet(() -> Cgroup2Mount.find().orElseThrow(() -> new DatapathException(
                "no cgroup2 mount: kpf attaches to a cgroup v2 directory (mount -t cgroup2 none /sys/fs/cgroup/unified, or pass --cgroup)", null)));
        if (!s.pins().onBpffs()) {
            throw new DatapathException(s.pins().root() + " is not on a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)", null);
        }
        Path parent = s.pins().root().getParent();
        if (parent == null || !new dev.kpf.probes.bpf.PinDirectory(parent).onBpffs()) {
            throw new DatapathException(s.pins().root() + " is the root of a BPF filesystem, which other tools pin to as well: "
                    + "give kpf a directory of its own (--bpffs, default " + dev.kpf.probes.bpf.PinDirectory.DEFAULT + ")", null);
        }
        List<Device> devices = new ArrayList<>();
        InetAddress snat = null, snat6 = null;
        try {
            DeviceDetector.Detected d = switch (s.devices()) {
                case AgentSettings.Devices.Auto a -> DeviceDetector.detect();
                // the SNAT addresses come from the named devices, as auto takes them from the detected ones
                case AgentSettings.Devices.Named n -> DeviceDetector.addressesOf(n.names());
                case AgentSettings.Devices.None n -> null;
            };
            if (d != null) {
                d.devices().forEach(name -> devices.add(Device.of(name)));
                snat = d.snat4();
                snat6 = d.snat6();
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new DatapathException("--devices " + describe(s.devices()) + ": " + e.getMessage() + " (name the interfaces with --devices IF,... or use none)", e);
        }
        if (s.snatIp().isPresent()) snat = s.snatIp().get();
        if (s.snatIp6().isPresent()) snat6 = s.snatIp6().get();
        boolean clsact = clsact(s.tcAttach(), !devices.isEmpty());
        if (!devices.isEmpty() && !(snat instanceof Inet4Address)) {
            throw new DatapathException("no IPv4 address to SNAT external traffic to: none of " + devices.stream().map(Device::name).toList()
                    + " has a global IPv4 address; add one, pass --snat-ip ADDR (a node address), or --devices none", null);
        }
        return BpfDatapath.open(new BpfDatapath.Options(s.pins(), cgroup, s.capacities(), devices, snat, s.maglev(),
                snat6 instanceof Inet6Address ? snat6 : null, s.maglevTableSize(), clsact, s.conntrack()));
    }

    /** tcx links or clsact filters: as asked, or (auto) from the kernel's own answer (backports count), else its release. */
    private static boolean clsact(AgentSettings.TcAttach attach, boolean anyDevice) {
        return switch (attach) {
            case TCX -> false;
            case CLSACT -> true;
            case AUTO -> {
                Optional<KernelRelease> kernel = KernelRelease.parse(System.getProperty("os.version"));
                boolean tcx = LiveKernelFeatures.tcxLinksExpected(kernel);
                if (!tcx && anyDevice) {
                    LoggerFactory.getLogger(AgentDatapath.class).atInfo().setMessage("no tcx links: the tc programs attach as clsact filters")
                            .addKeyValue("kernel", kernel.map(Object::toString).orElse("?")).log();
                }
                yield !tcx;
            }
        };
    }

    static String describe(AgentSettings.Devices devices) {
        return switch (devices) {
            case AgentSettings.Devices.Auto a -> "auto";
            case AgentSettings.Devices.None n -> "none";
            case AgentSettings.Devices.Named n -> String.join(",", n.names());
        };
    }
}
