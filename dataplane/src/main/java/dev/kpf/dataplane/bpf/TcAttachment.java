package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.BpfLink;
import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.BpfObject;
import dev.kpf.probes.bpf.BpfProgram;
import dev.kpf.probes.bpf.MapCodec;
import dev.kpf.probes.bpf.PinDirectory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * The tc programs' attachment to the devices that carry traffic from outside the node: tcx links (kernel 6.6 and
 * later, pinned under the pin directory's links/) or clsact filters (older kernels, found again by their priority and
 * a handle of the pin directory's), one kind at a time per pin directory, and the SNAT configuration they read.
 */
final class TcAttachment {
    private TcAttachment() {}

    /**
     * Attaches the tc programs to the options' devices with tcx links (or gives pinned ones the new programs), detaches
     * links of devices that are no longer wanted, and writes the SNAT address. Returns whether links were adopted.
     */
    static boolean attachTc(BpfDatapath.Options options, BpfObject object, List<BpfLink> links, List<BpfLink> created) {
        // at open: reply-only links of an earlier agent are kept until the first sync works out the reply devices
        return attachTc(options, List.of(), true, object, links, created);
    }

    static boolean attachTc(BpfDatapath.Options options, List<Device> replyDevices, BpfObject object, List<BpfLink> links, List<BpfLink> created) {
        return attachTc(options, replyDevices, false, object, links, created);
    }

    /**
     * The same, with {@code replyDevices}: interfaces through which backends are reached, where replies of SNATed
     * flows arrive (a pod's veth, a second NIC). They get the ingress program only, which translates those replies back
     * wherever they come in; the external devices get both.
     */
    private static boolean attachTc(BpfDatapath.Options options, List<Device> replyDevices, boolean keepReplyOnly, BpfObject object,
                                    List<BpfLink> links, List<BpfLink> created) {
        if (options.clsact()) return attachFilters(options, replyDevices, object);
        boolean adopted = false;
        java.util.Set<Path> wanted = new HashSet<>();
        java.util.Set<String> held = new HashSet<>();
        for (BpfLink l : links) held.add(l.toString());
        List<Device> all = new ArrayList<>(options.devices());
        all.addAll(replyDevices);
        for (Device device : all) {
            boolean replyOnly = !options.devices().contains(device);
            for (boolean ingress : replyOnly ? new boolean[] {true} : new boolean[] {true, false}) {
                BpfProgram program = object.program(ingress ? MapLayout.TC_INGRESS : MapLayout.TC_EGRESS);
                Path pin = options.pins().path(MapLayout.LINKS + "/" + device.linkPin(ingress));
                wanted.add(pin);
                if (held.contains("link " + pin)) continue; // attached by this datapath already
                if (Files.exists(pin) && !servesDevice(pin, device)) dropPin(pin);
                if (BpfDatapath.adoptPinned(pin, program, links)) {
                    adopted = true;
                } else {
                    BpfProgram.TcxDirection direction = ingress ? BpfProgram.TcxDirection.INGRESS : BpfProgram.TcxDirection.EGRESS;
                    BpfLink link = dev.kpf.probes.bpf.NetNamespace.call(device.netns(),
                            () -> program.attachTcx(dev.kpf.probes.bpf.NetNamespace.interfaceIndex(device.name()), direction, pin));
                    links.add(link);
                    created.add(link);
                }
            }
        }
        for (Path stale : tcLinkPins(options.pins())) {
            if (wanted.contains(stale)) continue;
            // a reply-only link (ingress without egress) an earlier agent left stays until the backends' routes are known
            if (keepReplyOnly && stale.getFileName().toString().startsWith("tc_in_")
                    && !Files.exists(stale.resolveSibling("tc_out_" + stale.getFileName().toString().substring("tc_in_".length())))) continue;
            for (java.util.Iterator<BpfLink> it = links.iterator(); it.hasNext(); ) {
                BpfLink mine = it.next();
                if (mine.toString().equals("link " + stale)) {
                    mine.close();
                    it.remove();
                }
            }
            detachLink(stale);
        }
        // an agent of this pin directory on an older kernel may have left clsact filters: one attachment per device
        detachFilters(options.pins(), options.devices().stream().filter(d -> d.netns() != null).toList());
        detachOwnFilters(options.pins(), ownInterfaceIndexes());
        writeTcConfig(options, object);
        return adopted;
    }

    /** The SNAT addresses, port range and conntrack timeouts the tc programs use. */
    private static void writeTcConfig(BpfDatapath.Options options, BpfObject object) {
        BpfMap<Integer, TcConfig> config = object.map(MapLayout.TC_CONFIG, MapCodec.u32(), Codecs.TC_CONFIG);
        config.update(0, new TcConfig(options.snat4(), options.snat6(), options.conntrack()));
    }

    /**
     * Kernels without tcx links: the tc programs as clsact filters (priority {@link MapLayout#TC_FILTER_PRIORITY},
     * a handle of this pin directory's, see {@link #filterHandle}), which the kernel keeps when the agent exits; a new
     * agent replaces their programs atomically. This pin directory's filters on interfaces of the agent's namespace
     * that are no longer wanted are removed. Returns whether filters were there already (adopted).
     */
    private static boolean attachFilters(BpfDatapath.Options options, List<Device> replyDevices, BpfObject object) {
        boolean adopted = false;
        int handle = filterHandle(options.pins());
        java.util.Set<Integer> wanted = new HashSet<>();
        for (Device device : replyDevices) {
            if (options.devices().contains(device)) continue;
            adopted |= dev.kpf.probes.bpf.NetNamespace.call(device.netns(), () -> new dev.kpf.probes.bpf.ClsactFilter(
                    dev.kpf.probes.bpf.NetNamespace.interfaceIndex(device.name()), true, handle, MapLayout.TC_FILTER_PRIORITY)
                    .attach(object.program(MapLayout.TC_INGRESS)));
            if (device.netns() == null) wanted.add(dev.kpf.probes.bpf.NetNamespace.interfaceIndex(device.name()));
        }
        for (Device device : options.devices()) {
            adopted |= dev.kpf.probes.bpf.NetNamespace.call(device.netns(), () -> {
                int ifindex = dev.kpf.probes.bpf.NetNamespace.interfaceIndex(device.name());
                dev.kpf.probes.bpf.ClsactFilter in = new dev.kpf.probes.bpf.ClsactFilter(ifindex, true, handle, MapLayout.TC_FILTER_PRIORITY);
                dev.kpf.probes.bpf.ClsactFilter out = new dev.kpf.probes.bpf.ClsactFilter(ifindex, false, handle, MapLayout.TC_FILTER_PRIORITY);
                boolean replaced = in.attach(object.program(MapLayout.TC_INGRESS)) | out.attach(object.program(MapLayout.TC_EGRESS));
                // a legacy "ingress" qdisc takes clsact's handle and serves both hooks from one block: egress would
                // have replaced ingress there
                if (in.programId().equals(out.programId())) {
                    throw new DatapathException(device.name() + " has a legacy ingress qdisc where kpf needs clsact: remove it "
                            + "(tc qdisc del dev " + device.name() + " ingress) and start the agent again", null);
                }
                return replaced;
            });
            if (device.netns() == null) wanted.add(dev.kpf.probes.bpf.NetNamespace.interfaceIndex(device.name()));
        }
        List<Integer> stale = new ArrayList<>(ownInterfaceIndexes());
        stale.removeAll(wanted);
        detachOwnFilters(options.pins(), stale);
        // tcx links an agent of this pin directory left (e.g. forced to clsact now): one attachment per device
        tcLinkPins(options.pins()).forEach(TcAttachment::detachLink);
        writeTcConfig(options, object);
        return adopted;
    }

    /**
     * The handle of the clsact filters of the datapath pinned under {@code pins}: "kp" and 16 bits of the directory's
     * normalised path, so that cleaning up one pin directory does not remove another's filters (two directories share
     * a handle with a chance of 1 in 65,536).
     */
    static int filterHandle(PinDirectory pins) {
        return MapLayout.TC_FILTER_HANDLE_PREFIX | (pins.root().normalize().toString().hashCode() & 0xffff);
    }

    /** Removes the clsact filters of the datapath pinned under {@code pins} from {@code devices}; returns what was removed. */
    public static List<String> detachFilters(PinDirectory pins, List<Device> devices) {
        List<String> removed = new ArrayList<>();
        for (Device device : devices) {
            removed.addAll(dev.kpf.probes.bpf.NetNamespace.call(device.netns(), () -> {
                try {
                    return detach(pins, dev.kpf.probes.bpf.NetNamespace.interfaceIndex(device.name()), device.name());
                } catch (BpfException e) {
                    return List.<String>of(); // the interface went away, and its filters with it
                }
            }));
        }
        return removed;
    }

    /** The same for interfaces of this process's namespace, by index (any name the kernel allows). */
    static List<String> detachOwnFilters(PinDirectory pins, List<Integer> ifindexes) {
        List<String> removed = new ArrayList<>();
        for (int ifindex : ifindexes) removed.addAll(detach(pins, ifindex, "interface #" + ifindex));
        return removed;
    }

    private static List<String> detach(PinDirectory pins, int ifindex, String what) {
        List<String> removed = new ArrayList<>();
        for (boolean ingress : new boolean[] {true, false}) {
            try {
                if (new dev.kpf.probes.bpf.ClsactFilter(ifindex, ingress, filterHandle(pins), MapLayout.TC_FILTER_PRIORITY).detach()) {
                    removed.add("tc filter " + (ingress ? "ingress" : "egress") + " on " + what + " (detached)");
                }
            } catch (BpfException e) {
                // the interface went away, and its filters with it
            }
        }
        return removed;
    }

    /** The interface indexes of this process's network namespace (entries of /sys/class/net with an ifindex). */
    static List<Integer> ownInterfaceIndexes() {
        List<Integer> out = new ArrayList<>();
        try (java.util.stream.Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
            for (Path dir : s.sorted().toList()) {
                try {
                    out.add(Integer.parseInt(Files.readString(dir.resolve("ifindex")).strip()));
                } catch (java.io.IOException | NumberFormatException notAnInterface) {
                    // e.g. bonding_masters, or gone meanwhile
                }
            }
        } catch (java.io.IOException e) {
            return List.of();
        }
        return out;
    }

    /** Detaches the pinned link at {@code pin}, whoever holds it, and removes the pin. */
    /**
     * Whether the tcx link pinned at {@code pin} is attached to {@code device} as it is now. Not when its interface
     * went away (the kernel severed the link: its interface index reads 0, and giving it a program fails with
     * ENOLINK) or when the name now belongs to another interface (the device was made again, as by a driver reload or a
     * CNI re-creating a veth): such a link carries nothing of this device's and is replaced.
     */
    private static boolean servesDevice(Path pin, Device device) {
        int now = dev.kpf.probes.bpf.NetNamespace.call(device.netns(), () -> dev.kpf.probes.bpf.NetNamespace.interfaceIndex(device.name()));
        try (BpfLink link = BpfLink.openPinned(pin)) {
            return link.interfaceIndex() == now;
        }
    }

    /** Removes a pinned link that serves no wanted device: detached first unless the kernel already severed it. */
    private static void dropPin(Path pin) {
        try (BpfLink link = BpfLink.openPinned(pin)) {
            if (link.interfaceIndex() != 0) link.detach();
            link.unpin();
        }
    }

    static void detachLink(Path pin) {
        try (BpfLink link = BpfLink.openPinned(pin)) {
            link.detach();
            link.unpin();
        }
    }

    static List<Path> tcLinkPins(PinDirectory pins) {
        Path dir = pins.path(MapLayout.LINKS);
        if (!Files.isDirectory(dir)) return List.of();
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("tc_")).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("list " + dir, e);
        }
    }

}
