package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.FrontendType;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.BpfLink;
import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.BpfObject;
import dev.kpf.probes.bpf.BpfProgram;
import dev.kpf.probes.bpf.Cgroup;
import dev.kpf.probes.bpf.Libbpf;
import dev.kpf.probes.bpf.MapCodec;
import dev.kpf.probes.bpf.PinDirectory;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The real datapath: kpf_sock.bpf.o loaded with its maps pinned under the pin directory and its eight programs
 * attached to a cgroup v2 through pinned links. Opening it adopts whatever an earlier agent left: pinned maps are
 * reused (after a layout-version check), pinned links get the new programs atomically, and the mirror of the maps
 * is read back, so a restart changes nothing that did not change. Closing it leaves maps and links in place;
 * {@link #cleanup} removes them.
 *
 * <p>Writes are make-before-break: backends and rev-NAT entries first, then a frontend's slots, then its slot-0
 * entry (which switches readers to the new slots), then slots and entries no longer used. A service that does not
 * fit in the maps is reported and not written at all; the rest is synced.
 */
public final class BpfDatapath implements Datapath {
    /**
     * What to load and where: the pin directory, the cgroup, map capacities that override the object's defaults (the
     * map-full tests use small ones), the Maglev settings, and for traffic from outside the node:
     * @param devices interfaces for the tc programs (traffic from outside the node); empty: socket level only
     * @param snat4   the IPv4 address replies of SNATed flows come back to (a node address); required with devices
     * @param conntrack the SNAT port range and conntrack timeouts of the tc datapath
     * @param setRetval whether refused connects use bpf_set_retval (ECONNREFUSED, kernel 5.18) or the hook's EPERM;
     *                  null: whatever the kernel has
     */
    public record Options(PinDirectory pins, Path cgroup, Map<String, Integer> capacities, List<Device> devices, java.net.InetAddress snat4,
                          boolean maglev, java.net.InetAddress snat6, int maglevTableSize, boolean clsact, ConntrackConfig conntrack, Boolean setRetval) {
        public Options {
            if (!dev.kpf.dataplane.lb.Maglev.validSize(maglevTableSize)) {
                throw new IllegalArgumentException("Maglev table size " + maglevTableSize + ": use a prime from 251 to 65521");
            }
            capacities = Map.copyOf(capacities);
            devices = List.copyOf(devices);
            if (!devices.isEmpty() && !(snat4 instanceof java.net.Inet4Address)) {
                throw new IllegalArgumentException("the tc datapath needs an IPv4 node address to SNAT to");
            }
        }

        /** kpf's default conntrack settings. */
        public Options(PinDirectory pins, Path cgroup, Map<String, Integer> capacities, List<Device> devices, java.net.InetAddress snat4,
                       boolean maglev, java.net.InetAddress snat6, int maglevTableSize, boolean clsact) {
            this(pins, cgroup, capacities, devices, snat4, maglev, snat6, maglevTableSize, clsact, ConntrackConfig.DEFAULT, null);
        }

        /** With these conntrack settings; refused connects as the kernel allows. */
        public Options(PinDirectory pins, Path cgroup, Map<String, Integer> capacities, List<Device> devices, java.net.InetAddress snat4,
                       boolean maglev, java.net.InetAddress snat6, int maglevTableSize, boolean clsact, ConntrackConfig conntrack) {
            this(pins, cgroup, capacities, devices, snat4, maglev, snat6, maglevTableSize, clsact, conntrack, null);
        }

        /** These options with other conntrack settings. */
        public Options withConntrack(ConntrackConfig settings) {
            return new Options(pins, cgroup, capacities, devices, snat4, maglev, snat6, maglevTableSize, clsact, settings, setRetval);
        }

        /** These options with refused connects as on a kernel without bpf_set_retval (EPERM), or with it. */
        public Options withSetRetval(boolean use) {
            return new Options(pins, cgroup, capacities, devices, snat4, maglev, snat6, maglevTableSize, clsact, conntrack, use);
        }

        /** With tcx links for the tc programs (kernel 6.6 or later). */
        public Options(PinDirectory pins, Path cgroup, Map<String, Integer> capacities, List<Device> devices, java.net.InetAddress snat4,
                       boolean maglev, java.net.InetAddress snat6, int maglevTableSize) {
            this(pins, cgroup, capacities, devices, snat4, maglev, snat6, maglevTableSize, false);
        }

        /** Socket-level load balancing only. */
        public Options(PinDirectory pins, Path cgroup, Map<String, Integer> capacities) {
            this(pins, cgroup, capacities, List.of(), null, false, null, dev.kpf.dataplane.lb.Maglev.M);
        }

        /** IPv4 SNAT only (IPv6 flows that need SNAT pass untranslated). */
        public Options(PinDirectory pins, Path cgroup, Map<String, Integer> capacities, List<Device> devices, java.net.InetAddress snat4, boolean maglev) {
            this(pins, cgroup, capacities, devices, snat4, maglev, null, dev.kpf.dataplane.lb.Maglev.M);
        }

        /** Traffic from outside through {@code devices}, backends picked at random per flow. */
        public Options(PinDirectory pins, Path cgroup, Map<String, Integer> capacities, List<Device> devices, java.net.InetAddress snat4) {
            this(pins, cgroup, capacities, devices, snat4, false, null, dev.kpf.dataplane.lb.Maglev.M);
        }
    }

    /** Replaced when the devices change ({@link #setDevices}). */
    private volatile Options options;
    private final BpfObject object;
    private final List<BpfLink> links;
    private final WriterMaps maps;
    private final MapWriter writer;
    /** Interfaces backends are reached through, beyond the devices: replies of SNATed flows arrive there ({@link #followBackends}). */
    private final ReplyDevices replies = new ReplyDevices();
    /** Lets connected UDP sockets go when their backend leaves; null on kernels without bpf_sock_destroy. */
    private final UdpSocketTerminator udpTerminator;
    private final String udpTermination;
    private final boolean adopted;
    private final Conntrack conntrack;
    /** Whether refused connects fail with ECONNREFUSED (bpf_set_retval) rather than EPERM. */
    private final boolean refusedWithRetval;

    private BpfDatapath(Options options, BpfObject object, List<BpfLink> links, boolean adopted, boolean refusedWithRetval) {
        this.options = options;
        this.object = object;
        this.links = links;
        this.adopted = adopted;
        maps = maps(object, options.maglevTableSize());
        writer = new MapWriter(maps, options.maglev(), options.maglevTableSize());
        conntrack = Conntrack.of(object, options.conntrack());
        this.refusedWithRetval = refusedWithRetval;
        UdpSocketTerminator t = null;
        String why = "";
        try {
            t = UdpSocketTerminator.open(options.pins(), options.capacities());
        } catch (RuntimeException e) {
            // optional: the datapath serves without it (the reason is in describe() and the agent's log)
            why = UdpSocketTerminator.unavailable(e);
        }
        udpTerminator = t;
        udpTermination = why;
    }

    /** What happens to connected UDP sockets whose backend leaves: empty when they are let go, else why not. */
    public String udpTermination() {
        return udpTermination;
    }

    /**
     * After a sync whose backends changed: the tc ingress program also goes to the interfaces the routing table of the
     * devices' namespace reaches backends through (a pod's veth, a second NIC), because replies of flows SNATed to a
     * node address come back there, not on the device the client used; interfaces no backend is reached through any
     * more lose it. Loopback and the devices themselves are left as they are.
     */
    public synchronized void followBackends() {
        if (options.devices().isEmpty()) return;
        List<Device> next;
        try {
            next = replies.next(options.devices(), writer);
        } catch (java.io.IOException e) {
            org.slf4j.LoggerFactory.getLogger(BpfDatapath.class).atWarn().setMessage("cannot read the routes to backends; replies keep the interfaces they have")
                    .addKeyValue("error", e.getMessage()).log();
            return;
        }
        if (next == null) return;
        List<Device> gone = new ArrayList<>(replies.current());
        gone.removeAll(next);
        TcAttachment.attachTc(options, next, object, links, new ArrayList<>());
        if (options.clsact()) TcAttachment.detachFilters(options.pins(), gone);
        replies.settle(next);
    }

    /** {@link #followBackends} whether or not the backends changed: routes may have. */
    public synchronized void followBackendsNow() {
        replies.reset();
        followBackends();
    }

    /** The interfaces that get the tc ingress program for replies only. */
    public List<String> replyDevices() {
        return replies.current().stream().map(Device::name).toList();
    }

    /**
     * After a sync: UDP flows from outside to backends that left their frontend are deleted from conntrack (the next
     * datagram picks a backend that is there), and connected UDP sockets on the node are let go (kernels with
     * bpf_sock_destroy).
     */
    private SyncReport letGo(SyncReport report) {
        followBackends();
        List<GoneBackend> gone = writer.takeGoneUdp();
        if (!gone.isEmpty() && !options.devices().isEmpty()) conntrack.purge(gone);
        if (udpTerminator == null || gone.isEmpty()) return report;
        try {
            udpTerminator.terminate(gone);
            return report;
        } catch (BpfException e) {
            List<dev.kpf.dataplane.model.Problem> errors = new ArrayList<>(report.errors());
            errors.add(new dev.kpf.dataplane.model.Problem("", "sockets", "could not let connected UDP sockets of " + gone.size()
                    + " backends that left go (they keep sending to them until they close): " + e.getMessage()));
            return new SyncReport(report.frontendsWritten(), report.frontendsDeleted(), report.backendsWritten(), report.backendsDeleted(),
                    errors, report.took());
        }
    }

    /** The loaded object's maps the writer programs. */
    private static WriterMaps maps(BpfObject object, int maglevTableSize) {
        return new WriterMaps(object.map(MapLayout.SVC4, Codecs.svcKey(4), Codecs.SVC_VALUE), object.map(MapLayout.SVC6, Codecs.svcKey(16), Codecs.SVC_VALUE),
                object.map(MapLayout.BACKENDS4, MapCodec.u32(), Codecs.backend(4)), object.map(MapLayout.BACKENDS6, MapCodec.u32(), Codecs.backend(16)),
                object.map(MapLayout.REVNAT4, MapCodec.u32(), Codecs.revNat(4)), object.map(MapLayout.REVNAT6, MapCodec.u32(), Codecs.revNat(16)),
                object.map(MapLayout.NAMES, MapCodec.u32(), Codecs.NAME),
                object.map(MapLayout.STATS, Codecs.STAT_KEY, Codecs.statValues(Libbpf.possibleCpus())),
                object.map(MapLayout.SRC_RANGE4, Codecs.SRC_RANGE4_KEY, Codecs.U8), object.map(MapLayout.SRC_RANGE6, Codecs.SRC_RANGE6_KEY, Codecs.U8),
                object.map(MapLayout.MAGLEV4, MapCodec.u32(), Codecs.maglev(maglevTableSize)),
                object.map(MapLayout.AFF_MEMBER, Codecs.MEMBER_KEY, Codecs.U8), object.map(MapLayout.AFFINITY, Codecs.AFFINITY_KEY, Codecs.AFFINITY_VALUE));
    }

    /** Whether refused connects use bpf_set_retval: as the options say, else whether the kernel has it (5.18). */
    static boolean refusesWithRetval(Options options) {
        if (options.setRetval() != null) return options.setRetval();
        return dev.kpf.probes.bpf.KernelSupport.helper(dev.kpf.probes.probe.KernelFeatures.ProgramType.CGROUP_SOCK_ADDR.id,
                dev.kpf.probes.probe.KernelFeatures.Helper.SET_RETVAL.id) == 1;
    }

    /** Loads (or adopts) the datapath and attaches it to the options' cgroup. */
    public static BpfDatapath open(Options options) {
        Path pinRoot = options.pins().root();
        checkLayout(options.pins());
        // every pinned socket hook checked against --cgroup before anything is loaded or taken over
        PinnedCgroupLink.check(MapLayout.HOOKS.stream().map(h -> options.pins().path(MapLayout.LINKS + "/" + h.attachType())).toList(), options.cgroup());
        // an earlier agent's pins (its maps, or its links alone): a failed start leaves them as they are
        boolean hadPins = Files.exists(options.pins().path(MapLayout.META)) || Files.exists(options.pins().path(MapLayout.LINKS));
        BpfObject object = BpfObject.openResource(BpfDatapath.class, MapLayout.OBJECT, pinRoot);
        List<BpfLink> links = new ArrayList<>();
        List<BpfLink> created = new ArrayList<>();
        try {
            options.capacities().forEach(object::maxEntries);
            // the Maglev table size: the map's value size and the programs' constant, both before load; and whether refused
            // connects can use bpf_set_retval (struct kpf_rodata)
            object.valueSize(MapLayout.MAGLEV4, 4 * options.maglevTableSize());
            boolean withRetval = refusesWithRetval(options);
            object.initialValue(".rodata", java.nio.ByteBuffer.allocate(MapLayout.RODATA_BYTES).order(java.nio.ByteOrder.nativeOrder()).putInt(options.maglevTableSize())
                    .putInt(withRetval ? 1 : 0).array());
            try {
                object.load();
            } catch (BpfException e) {
                if (Files.exists(options.pins().path(MapLayout.SVC4))) {
                    throw new DatapathException("the pinned maps under " + pinRoot + " do not match this kpf's layout or capacities ("
                            + e.getMessage() + "); run `kpf agent --cleanup` (connections through kpf are interrupted until the agent "
                            + "starts again) or keep the same --map-capacity", e);
                }
                throw e;
            }
            BpfMap<Integer, Long> meta = object.map(MapLayout.META, MapCodec.u32(), MapCodec.u64());
            meta.update(MapLayout.META_LAYOUT, (long) MapLayout.VERSION);
            meta.update(MapLayout.META_GENERATION, meta.lookup(MapLayout.META_GENERATION).orElse(0L) + 1);
            boolean adopted = false;
            try (Cgroup cgroup = Cgroup.open(options.cgroup())) {
                for (MapLayout.Hook hook : MapLayout.HOOKS) {
                    BpfProgram program = object.program(hook.program());
                    Path pin = options.pins().path(MapLayout.LINKS + "/" + hook.attachType());
                    if (adoptPinned(pin, program, links)) {
                        adopted = true;
                    } else {
                        BpfLink link = program.attachCgroup(cgroup);
                        links.add(link);
                        created.add(link);
                        link.pin(pin);
                    }
                }
            }
            adopted |= TcAttachment.attachTc(options, object, links, created);
            return new BpfDatapath(options, object, links, adopted, withRetval);
        } catch (RuntimeException e) {
            // nothing half-attached: undo what this attempt attached and pinned; an earlier agent's pins stay
            for (BpfLink link : created) {
                try {
                    link.detach();
                } catch (RuntimeException ignored) {
                    // not attached
                }
            }
            links.forEach(BpfLink::close);
            object.close();
            if (!hadPins) {
                try {
                    cleanup(options.pins());
                } catch (RuntimeException cleanupFailed) {
                    e.addSuppressed(cleanupFailed);
                }
            }
            throw e;
        }
    }

    /**
     * When an earlier agent pinned a link at {@code pin}: opens it, gives it {@code program} (atomically: the hook is
     * never without a program) and adds it to {@code links}. Returns false when there is no such pin.
     */
    static boolean adoptPinned(Path pin, BpfProgram program, List<BpfLink> links) {
        if (!Files.exists(pin)) return false;
        BpfLink link = BpfLink.openPinned(pin);
        links.add(link);
        link.updateProgram(program);
        return true;
    }

    /** Refuses pinned maps written by another layout version, before libbpf could reuse them. */
    private static void checkLayout(PinDirectory pins) {
        Path metaPin = pins.path(MapLayout.META);
        if (!Files.exists(metaPin)) return;
        try (BpfMap<Integer, Long> meta = BpfMap.openPinned(metaPin, MapCodec.u32(), MapCodec.u64())) {
            long version = meta.lookup(MapLayout.META_LAYOUT).orElse(0L);
            if (version != MapLayout.VERSION) {
                throw new DatapathException("the maps pinned under " + pins.root() + " have layout version " + version
                        + " but this kpf writes version " + MapLayout.VERSION + ": they are not mixed. Run `kpf agent --cleanup` "
                        + "(connections through kpf are interrupted until the agent starts again), then start the agent", null);
            }
        }
    }

    /** Whether this agent took over maps and links an earlier one pinned. */
    public boolean adopted() {
        return adopted;
    }

    // ---- sync ----

    /** Makes the maps hold exactly {@code desired}, writing only what differs from what they hold. */
    @Override
    public SyncReport apply(LbTable desired) {
        return letGo(writer.apply(desired));
    }

    @Override
    public SyncReport reconcile(LbTable desired) {
        return letGo(writer.reconcile(desired));
    }

    /**
     * Applies only a diff (as {@code IncrementalTranslator.sync()} returns it): the work is proportional to the
     * change, not to the table. The maps must already hold the table the diff starts from.
     */
    @Override
    public SyncReport applyChanges(LbTable desired, dev.kpf.dataplane.lb.LbDiff diff) {
        return letGo(writer.applyChanges(diff));
    }

    public SyncReport applyChanges(dev.kpf.dataplane.lb.LbDiff diff) {
        return letGo(writer.applyChanges(diff));
    }

    // ---- read back ----

    @Override
    public LbTable readBack() {
        return writer.readBack();
    }

    /**
     * Moves the tc programs to {@code devices} (re-detected devices, e.g. after an address change): links to new
     * devices are attached, links to devices no longer wanted are detached, and the SNAT address is rewritten.
     */
    public synchronized void setDevices(List<Device> devices, InetAddress snat4) {
        Options next = new Options(options.pins(), options.cgroup(), options.capacities(), devices, snat4, options.maglev(), options.snat6(),
                options.maglevTableSize(), options.clsact(), options.conntrack(), options.setRetval());
        List<Device> kept = new ArrayList<>(replies.current());
        kept.removeAll(devices);
        TcAttachment.attachTc(next, kept, object, links, new ArrayList<>());
        replies.keepOnly(kept);
        replies.reset(); // worked out again for the new devices
        if (next.clsact()) {
            List<Device> gone = new ArrayList<>(options.devices());
            gone.removeAll(devices);
            TcAttachment.detachFilters(options.pins(), gone);
        }
        options = next;
        followBackends();
    }

    @Override
    public String tcAttach() {
        return options.devices().isEmpty() ? "" : options.clsact() ? "clsact" : "tcx";
    }

    /** The interfaces the tc programs are attached to. */
    @Override
    public List<String> devices() {
        return options.devices().stream().map(Device::name).toList();
    }

    @Override
    public Map<TcEvent, Long> tcEvents() {
        return conntrack.events();
    }

    /** The flows the tc programs track, both entries of each. */
    public Map<FlowKey, FlowEntry> flows() {
        return conntrack.flows();
    }

    @Override
    public SweepReport sweepConntrack() {
        return conntrack.sweep();
    }

    /**
     * The counters, resolved through the mirror of what the maps hold (copied under the lock, which syncs take too);
     * only the stats map is read from the kernel, outside the lock, so a scrape or a TUI refresh does not hold up a sync.
     */
    @Override
    public Counters counters() {
        Map<SvcKey, SvcValue> s4 = new HashMap<>(), s6 = new HashMap<>();
        Map<Integer, BackendValue> b4 = new HashMap<>(), b6 = new HashMap<>();
        writer.copyMirror(s4, s6, b4, b6);
        Map<List<Long>, long[]> raw = new HashMap<>();
        maps.stats().entries().forEach((k, v) -> raw.put(List.of(k[0], k[1]), v));
        return CounterReader.read(s4, s6, b4, b6, raw);
    }

    @Override
    public Map<String, long[]> mapUsage() {
        return writer.mapUsage();
    }

    @Override
    public boolean simulated() {
        return false;
    }

    @Override
    public String describe() {
        return "BPF maps pinned under " + options.pins().root() + ", programs attached to " + options.cgroup()
                + (options.devices().isEmpty() ? "" : " and (tc, " + (options.clsact() ? "clsact filters" : "tcx links") + ") to "
                + String.join(", ", options.devices().stream().map(Device::name).toList())
                + " (SNAT to " + options.snat4().getHostAddress() + ")")
                + (adopted ? " (adopted from an earlier agent)" : "") + (udpTermination.isEmpty() ? "" : "; " + udpTermination)
                + (refusedWithRetval ? "" : "; connects to a Service without backends fail with EPERM (the kernel has no bpf_set_retval, 5.18)");
    }

    /** Releases this process's handles; maps, programs and links stay pinned and keep serving. */
    @Override
    public void close() {
        if (udpTerminator != null) udpTerminator.close();
        links.forEach(BpfLink::close);
        object.close();
    }

    /**
     * Detaches kpf's programs and removes kpf's own pins under {@code pins} ({@link OwnPins}: by name; anything else
     * stays and is reported as left). Refuses, before touching anything, a directory that is not on bpffs or is the
     * BPF filesystem's root.
     */
    public static List<String> cleanup(PinDirectory pins) {
        OwnPins.Plan plan = OwnPins.plan(pins);
        List<String> removed = new ArrayList<>();
        for (MapLayout.Hook hook : MapLayout.HOOKS) {
            Path pin = pins.path(MapLayout.LINKS + "/" + hook.attachType());
            if (!Files.exists(pin)) continue;
            TcAttachment.detachLink(pin);
            removed.add("link " + hook.attachType() + " (detached)");
        }
        for (Path pin : TcAttachment.tcLinkPins(pins)) {
            TcAttachment.detachLink(pin);
            removed.add("link " + pin.getFileName() + " (detached)");
        }
        // clsact filters (kernels without tcx) on this namespace's interfaces
        removed.addAll(TcAttachment.detachOwnFilters(pins, TcAttachment.ownInterfaceIndexes()));
        java.util.Map<Path, String> kinds = new java.util.HashMap<>();
        for (Path p : plan.remove()) kinds.put(p, Files.isDirectory(p) ? "directory " : "pin ");
        for (Path p : OwnPins.remove(plan)) removed.add(kinds.get(p) + p);
        for (Path p : plan.foreign()) removed.add("left in place (not kpf's): " + p);
        return removed;
    }

    /** What {@link #cleanup} would do, without doing it (kpf agent --cleanup --dry-run). */
    public static List<String> cleanupPlan(PinDirectory pins) {
        OwnPins.Plan plan = OwnPins.plan(pins);
        List<String> out = new ArrayList<>();
        for (Path p : plan.remove()) out.add("would remove " + p + (p.startsWith(pins.path(MapLayout.LINKS)) && !Files.isDirectory(p) ? " (detaching its link)" : ""));
        for (Path p : plan.foreign()) out.add("would leave (not kpf's): " + p);
        if (!plan.remove().isEmpty()) {
            out.add(String.format("would detach kpf's clsact filters on this namespace's interfaces, if any (handle 0x%08x, priority %d)",
                    TcAttachment.filterHandle(pins), MapLayout.TC_FILTER_PRIORITY));
        }
        return out;
    }

    public Optional<Long> generation() {
        try (BpfMap<Integer, Long> meta = BpfMap.openPinned(options.pins().path(MapLayout.META), MapCodec.u32(), MapCodec.u64())) {
            return meta.lookup(MapLayout.META_GENERATION);
        }
    }

    static FrontendType typeOf(String label) {
        for (FrontendType t : FrontendType.values()) if (t.label.equals(label)) return t;
        return FrontendType.CLUSTER_IP;
    }
}
