package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.FrontendType;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.model.ObjectRef;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.dataplane.model.Protocol;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

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
    /** Map capacities (max entries) that override the object's defaults; the map-full tests use small ones. */
    /**
     * @param devices interfaces for the tc programs (traffic from outside the node); empty: socket level only
     * @param snat4   the IPv4 address replies of SNATed flows come back to (a node address); required with devices
     */
    public record Options(PinDirectory pins, Path cgroup, Map<String, Integer> capacities, List<Device> devices, java.net.InetAddress snat4,
                          boolean maglev, java.net.InetAddress snat6, int maglevTableSize, boolean clsact) {
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
    private final BpfMap<SvcKey, SvcValue> svc4, svc6;
    private final BpfMap<Integer, BackendValue> backends4, backends6;
    private final BpfMap<Integer, RevNatValue> revNat4, revNat6;
    private final BpfMap<Integer, String> names;
    private final BpfMap<long[], long[]> stats;
    private final BpfMap<SourceRangeKey, Byte> sourceRanges4, sourceRanges6;
    private final BpfMap<Integer, int[]> maglev4;
    /** The Maglev tables written, by rev-NAT id (rewritten after a restart; the content is the same). */
    private final Map<Integer, int[]> maglevTables = new HashMap<>();
    /** The source-range entries in kpf_srcrange4, by frontend (its external-scope service key). */
    private final Map<SvcKey, Set<SourceRangeKey>> sourceRanges = new HashMap<>();
    /** The mirror of the maps; replaced by a fresh read of the maps when a write failed midway. */
    private ProgrammedState state;
    private final boolean adopted;

    private BpfDatapath(Options options, BpfObject object, List<BpfLink> links, boolean adopted) {
        this.options = options;
        this.object = object;
        this.links = links;
        this.adopted = adopted;
        svc4 = object.map(MapLayout.SVC4, Codecs.svcKey(4), Codecs.SVC_VALUE);
        svc6 = object.map(MapLayout.SVC6, Codecs.svcKey(16), Codecs.SVC_VALUE);
        backends4 = object.map(MapLayout.BACKENDS4, MapCodec.u32(), Codecs.backend(4));
        backends6 = object.map(MapLayout.BACKENDS6, MapCodec.u32(), Codecs.backend(16));
        revNat4 = object.map(MapLayout.REVNAT4, MapCodec.u32(), Codecs.revNat(4));
        revNat6 = object.map(MapLayout.REVNAT6, MapCodec.u32(), Codecs.revNat(16));
        names = object.map(MapLayout.NAMES, MapCodec.u32(), Codecs.NAME);
        stats = object.map(MapLayout.STATS, Codecs.STAT_KEY, Codecs.statValues(Libbpf.possibleCpus()));
        sourceRanges4 = object.map(MapLayout.SRC_RANGE4, Codecs.SRC_RANGE4_KEY, Codecs.U8);
        sourceRanges6 = object.map(MapLayout.SRC_RANGE6, Codecs.SRC_RANGE6_KEY, Codecs.U8);
        maglev4 = object.map(MapLayout.MAGLEV4, MapCodec.u32(), Codecs.maglev(options.maglevTableSize()));
        for (BpfMap<SourceRangeKey, Byte> m : List.of(sourceRanges4, sourceRanges6)) {
            for (SourceRangeKey k : m.entries().keySet()) sourceRanges.computeIfAbsent(k.frontendKey(), x -> new HashSet<>()).add(k);
        }
        state = restore();
    }

    /** Loads (or adopts) the datapath and attaches it to the options' cgroup. */
    public static BpfDatapath open(Options options) {
        Path pinRoot = options.pins().root();
        checkLayout(options.pins());
        boolean hadPins = Files.exists(options.pins().path(MapLayout.META));
        BpfObject object = BpfObject.openResource(BpfDatapath.class, MapLayout.OBJECT, pinRoot);
        List<BpfLink> links = new ArrayList<>();
        List<BpfLink> created = new ArrayList<>();
        try {
            options.capacities().forEach(object::maxEntries);
            // the Maglev table size: the map's value size and the programs' constant, both before load
            object.valueSize(MapLayout.MAGLEV4, 4 * options.maglevTableSize());
            object.initialValue(".rodata", java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(options.maglevTableSize()).array());
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
                    if (Files.exists(pin)) {
                        BpfLink link = BpfLink.openPinned(pin);
                        links.add(link);
                        link.updateProgram(program);
                        adopted = true;
                    } else {
                        BpfLink link = program.attachCgroup(cgroup);
                        links.add(link);
                        created.add(link);
                        link.pin(pin);
                    }
                }
            }
            adopted |= attachTc(options, object, links, created);
            return new BpfDatapath(options, object, links, adopted);
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
            if (!hadPins) cleanup(options.pins());
            throw e;
        }
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

    /** The mirror of what the maps hold, without the entries of a running datapath self-test (their ids are reserved). */
    private ProgrammedState restore() {
        ProgrammedState s = new ProgrammedState();
        for (Map.Entry<Integer, BackendValue> e : backends4.entries().entrySet()) restoreBackend(s, e.getKey(), e.getValue());
        for (Map.Entry<Integer, BackendValue> e : backends6.entries().entrySet()) restoreBackend(s, e.getKey(), e.getValue());
        Map<Integer, String> nameById = names.entries();
        for (Map.Entry<Integer, RevNatValue> e : revNat4.entries().entrySet()) restoreRevNat(s, e.getKey(), e.getValue(), nameById);
        for (Map.Entry<Integer, RevNatValue> e : revNat6.entries().entrySet()) restoreRevNat(s, e.getKey(), e.getValue(), nameById);
        for (BpfMap<SvcKey, SvcValue> map : List.of(svc4, svc6)) {
            Map<SvcKey, SvcValue> all = map.entries();
            for (Map.Entry<SvcKey, SvcValue> e : all.entrySet()) {
                if (e.getKey().slot() != 0 || SelfTestFrontend.reserved(e.getValue().revNatId())) continue;
                SvcValue v = e.getValue();
                int[] ids = new int[v.count()];
                for (int i = 0; i < ids.length; i++) {
                    SvcValue slot = all.get(e.getKey().withSlot(i + 1));
                    ids[i] = slot == null ? 0 : slot.backendId();
                }
                String name = nameById.getOrDefault(v.revNatId(), "");
                String[] f = name.split("\t");
                s.putFrontend(e.getKey(), new ProgrammedState.Frontend(v, ids, name, f.length > 1 ? owner(f[1]) : ""));
                s.revNatRefs.merge(new ProgrammedState.RevKey(e.getKey().address(), e.getKey().port(), e.getKey().protocol()), 1, Integer::sum);
                for (int id : ids) {
                    BackendValue b = s.backends(e.getKey().address()).get(id);
                    if (b != null) s.backendRefs.merge(new ProgrammedState.BackendKey(b.address(), b.port(), b.protocol()), 1, Integer::sum);
                }
            }
        }
        return s;
    }

    private static void restoreBackend(ProgrammedState s, int id, BackendValue v) {
        if (SelfTestFrontend.reservedBackend(id)) return;
        s.backends(v.address()).put(id, v);
        s.backendIds.put(new ProgrammedState.BackendKey(v.address(), v.port(), v.protocol()), id);
        s.markBackend(v.address(), id);
    }

    private static void restoreRevNat(ProgrammedState s, int id, RevNatValue v, Map<Integer, String> nameById) {
        if (SelfTestFrontend.reserved(id)) return;
        String name = nameById.getOrDefault(id, "");
        int proto = protocolOfName(name);
        s.revNatIds.put(new ProgrammedState.RevKey(v.address(), v.port(), proto), id);
        s.names.put(id, name);
        s.markRevNat(id);
    }

    /** Names are written as "TYPE\tns/name:port\tPROTO"; the protocol keys rev-NAT entries. */
    private static int protocolOfName(String name) {
        String[] f = name.split("\t");
        return f.length >= 3 ? Protocol.valueOf(f[2]).number : 0;
    }

    // ---- sync ----

    /** The desired form of one frontend entry. */
    private record Want(SvcKey key, SvcValue service, List<ProgrammedState.BackendKey> backends, Map<ProgrammedState.BackendKey, Integer> flags,
                        String name, String owner) {}

    /** Makes the maps hold exactly {@code desired}, writing only what differs from what they hold. */
    @Override
    public synchronized SyncReport apply(LbTable desired) {
        long t0 = System.nanoTime();
        int[] counts = new int[4];
        List<Problem> errors = new ArrayList<>();
        PhasedWrites writes = new PhasedWrites();
        Map<SvcKey, Set<SourceRangeKey>> ranges = new HashMap<>();
        for (LbEntry e : desired.entries().values()) {
            Set<SourceRangeKey> keys = sourceRangeKeys(e);
            if (!keys.isEmpty()) ranges.put(key(e.frontend(), Scope.EXTERNAL), keys);
        }
        Set<SvcKey> stale = new HashSet<>(sourceRanges.keySet());
        stale.removeAll(ranges.keySet());
        writeSourceRanges(ranges, errors);
        Set<String> failed = writeServices(desired.entries().values(), counts, errors, writes);
        Set<SvcKey> wanted = new HashSet<>();
        for (LbEntry e : desired.entries().values()) wanted.add(key(e.frontend(), e.frontend().scope()));
        for (Map.Entry<SvcKey, ProgrammedState.Frontend> e : new ArrayList<>(state.frontends.entrySet())) {
            if (wanted.contains(e.getKey()) || failed.contains(e.getValue().owner())) continue;
            deleteFrontend(e.getKey(), counts, writes);
        }
        flush(writes, errors);
        for (SvcKey k : stale) writeSourceRanges(Map.of(k, Set.of()), errors);
        return new SyncReport(counts[0], counts[1], counts[2], counts[3], errors, Duration.ofNanos(System.nanoTime() - t0));
    }

    /**
     * Applies only a diff (as {@code IncrementalTranslator.sync()} returns it): the work is proportional to the
     * change, not to the table. The maps must already hold the table the diff starts from.
     */
    @Override
    public SyncReport applyChanges(LbTable desired, dev.kpf.dataplane.lb.LbDiff diff) {
        return applyChanges(diff);
    }

    public synchronized SyncReport applyChanges(dev.kpf.dataplane.lb.LbDiff diff) {
        long t0 = System.nanoTime();
        int[] counts = new int[4];
        List<Problem> errors = new ArrayList<>();
        List<LbEntry> entries = new ArrayList<>(diff.added());
        diff.changed().forEach(c -> entries.add(c.after()));
        PhasedWrites writes = new PhasedWrites();
        Map<SvcKey, Set<SourceRangeKey>> ranges = new HashMap<>();
        for (LbEntry e : entries) {
            if (e.frontend().scope() == Scope.EXTERNAL) ranges.put(key(e.frontend(), Scope.EXTERNAL), sourceRangeKeys(e));
        }
        writeSourceRanges(ranges, errors);
        Set<String> failed = writeServices(entries, counts, errors, writes);
        for (Frontend f : diff.removed()) {
            SvcKey k = key(f, f.scope());
            ProgrammedState.Frontend old = state.frontends.get(k);
            if (old != null && !failed.contains(old.owner())) deleteFrontend(k, counts, writes);
        }
        flush(writes, errors);
        for (Frontend f : diff.removed()) {
            if (f.scope() == Scope.EXTERNAL) writeSourceRanges(Map.of(key(f, Scope.EXTERNAL), Set.of()), errors);
        }
        return new SyncReport(counts[0], counts[1], counts[2], counts[3], errors, Duration.ofNanos(System.nanoTime() - t0));
    }

    /**
     * Writes everything collected, phase by phase. A failure here is unexpected (capacity was checked per service):
     * it is reported, and the mirror no longer matches the maps, so it is rebuilt from them.
     */
    private void flush(PhasedWrites writes, List<Problem> errors) {
        try {
            writes.flush();
        } catch (BpfException e) {
            errors.add(new Problem("", "maps", "write failed, the next sync re-reads the maps and writes everything again: " + e.getMessage()));
            state = restore();
        }
    }

    /** The kpf_srcrange4/6 entries a frontend with loadBalancerSourceRanges needs: its family's CIDRs (none otherwise). */
    private static Set<SourceRangeKey> sourceRangeKeys(LbEntry e) {
        Frontend f = e.frontend();
        if (e.sourceRanges().isEmpty()) return Set.of();
        Set<SourceRangeKey> keys = new HashSet<>();
        for (dev.kpf.dataplane.model.Cidr c : e.sourceRanges()) {
            if (ProgrammedState.v4(c.network()) == ProgrammedState.v4(f.address())) {
                keys.add(new SourceRangeKey(f.address(), f.port(), f.protocol().number, c.network(), c.prefixLength()));
            }
        }
        return keys;
    }

    /**
     * Makes kpf_srcrange4 hold exactly {@code wanted} for each frontend named: new prefixes are written before the
     * service entries that start using them (callers order it so) and old ones are deleted.
     */
    private void writeSourceRanges(Map<SvcKey, Set<SourceRangeKey>> wanted, List<Problem> errors) {
        wanted.forEach((frontend, keys) -> {
            Set<SourceRangeKey> have = sourceRanges.getOrDefault(frontend, Set.of());
            try {
                BpfMap<SourceRangeKey, Byte> map = ProgrammedState.v4(frontend.address()) ? sourceRanges4 : sourceRanges6;
                for (SourceRangeKey k : keys) if (!have.contains(k)) map.update(k, (byte) 1);
                for (SourceRangeKey k : have) if (!keys.contains(k)) map.delete(k);
                if (keys.isEmpty()) sourceRanges.remove(frontend);
                else sourceRanges.put(frontend, new HashSet<>(keys));
            } catch (BpfException e) {
                errors.add(new Problem("", "maps", "loadBalancerSourceRanges of " + frontend.address().getHostAddress() + ":" + frontend.port()
                        + ": " + e.getMessage()));
            }
        });
    }

    /** Queues the entries service by service; a service that does not fit is reported and left as it was. */
    private Set<String> writeServices(java.util.Collection<LbEntry> entries, int[] counts, List<Problem> errors, PhasedWrites writes) {
        Map<ObjectRef, List<LbEntry>> byService = new TreeMap<>();
        for (LbEntry e : entries) byService.computeIfAbsent(e.service(), k -> new ArrayList<>()).add(e);
        Set<String> failed = new HashSet<>();
        for (Map.Entry<ObjectRef, List<LbEntry>> svc : byService.entrySet()) {
            List<Want> wants = new ArrayList<>();
            for (LbEntry e : svc.getValue()) wants.add(want(e));
            String problem = capacityProblem(wants);
            if (problem != null) {
                errors.add(new Problem(svc.getKey().toString(), "", problem));
                failed.add(owner(svc.getKey()));
                continue;
            }
            for (Want w : wants) writeFrontend(w, counts, writes);
        }
        return failed;
    }

    private static String owner(ObjectRef service) {
        return service.namespace() + "/" + service.name();
    }

    /** The service of a name's {@code ns/name:port} part. */
    private static String owner(String servicePortName) {
        int colon = servicePortName.indexOf(':');
        return colon < 0 ? servicePortName : servicePortName.substring(0, colon);
    }

    private static SvcKey key(Frontend f, Scope scope) {
        return new SvcKey(f.address(), f.port(), f.protocol().number, scope == Scope.INTERNAL ? MapLayout.SCOPE_INTERNAL : MapLayout.SCOPE_EXTERNAL, 0);
    }

    private Want want(LbEntry e) {
        Frontend f = e.frontend();
        SvcKey k = key(f, f.scope());
        // the translator gives external frontends of externalTrafficPolicy: Local services an INTERNAL entry too
        boolean twoScope = f.scope() == Scope.EXTERNAL && e.externalPolicyLocal() && e.type() != FrontendType.CLUSTER_IP;
        boolean maglev = options.maglev() && f.scope() == Scope.EXTERNAL && e.type() != FrontendType.CLUSTER_IP;
        int flags = (e.affinityTimeoutSeconds() > 0 ? MapLayout.SVC_AFFINITY : 0) | (twoScope ? MapLayout.SVC_TWO_SCOPE : 0)
                | (sourceRangeKeys(e).isEmpty() ? 0 : MapLayout.SVC_SOURCE_RANGES) | (maglev ? MapLayout.SVC_MAGLEV : 0);
        List<ProgrammedState.BackendKey> backends = new ArrayList<>();
        Map<ProgrammedState.BackendKey, Integer> backendFlags = new LinkedHashMap<>();
        for (Backend b : e.backends()) {
            ProgrammedState.BackendKey bk = new ProgrammedState.BackendKey(b.address(), b.port(), b.protocol().number);
            backends.add(bk);
            backendFlags.put(bk, (b.state() == Backend.State.TERMINATING ? MapLayout.BACKEND_TERMINATING : 0) | (b.local() ? MapLayout.BACKEND_LOCAL : 0));
        }
        String name = e.type().label + "\t" + e.servicePortName() + "\t" + f.protocol().name();
        SvcValue v = new SvcValue(0, backends.size(), 0, flags, e.affinityTimeoutSeconds());
        return new Want(k, v, backends, backendFlags, name, owner(e.service()));
    }

    /** Why a service's new entries would not fit, or null. Counts only what this service adds. */
    private String capacityProblem(List<Want> wants) {
        long svcAdd4 = 0, svcAdd6 = 0, backendAdd4 = 0, backendAdd6 = 0, revAdd = 0;
        Set<ProgrammedState.BackendKey> newBackends = new HashSet<>();
        Set<ProgrammedState.RevKey> newRev = new HashSet<>();
        for (Want w : wants) {
            ProgrammedState.Frontend old = state.frontends.get(w.key());
            long add = (old == null ? 1 : 0) + Math.max(0, w.backends().size() - (old == null ? 0 : old.backendIds().length));
            if (ProgrammedState.v4(w.key().address())) svcAdd4 += add; else svcAdd6 += add;
            for (ProgrammedState.BackendKey b : w.backends()) {
                if (!state.backendIds.containsKey(b) && newBackends.add(b)) {
                    if (ProgrammedState.v4(b.address())) backendAdd4++; else backendAdd6++;
                }
            }
            ProgrammedState.RevKey rk = new ProgrammedState.RevKey(w.key().address(), w.key().port(), w.key().protocol());
            if (!state.revNatIds.containsKey(rk) && newRev.add(rk)) revAdd++;
        }
        String full = fits(svc4, state.svcEntries(true), svcAdd4);
        if (full == null) full = fits(svc6, state.svcEntries(false), svcAdd6);
        if (full == null) full = fits(backends4, state.backends4.size(), backendAdd4);
        if (full == null) full = fits(backends6, state.backends6.size(), backendAdd6);
        if (full == null) full = fits(names, state.names.size(), revAdd);
        return full;
    }

    private static String fits(BpfMap<?, ?> map, long used, long add) {
        if (add == 0 || used + add <= map.maxEntries()) return null;
        return "map " + map.name() + " is full (" + used + " of " + map.maxEntries() + " entries used, " + add
                + " more needed): not programmed, the previous state stays; raise the map's capacity (--map-capacity "
                + map.name() + "=N)";
    }

    private BpfMap<SvcKey, SvcValue> svcMap(InetAddress a) {
        return ProgrammedState.v4(a) ? svc4 : svc6;
    }

    private BpfMap<Integer, BackendValue> backendMap(InetAddress a) {
        return ProgrammedState.v4(a) ? backends4 : backends6;
    }

    /** Writes one frontend make-before-break, then drops what it no longer refers to. */
    private void writeFrontend(Want w, int[] counts, PhasedWrites writes) {
        InetAddress addr = w.key().address();
        // make: backends
        int[] ids = new int[w.backends().size()];
        for (int i = 0; i < ids.length; i++) {
            ProgrammedState.BackendKey bk = w.backends().get(i);
            Integer id = state.backendIds.get(bk);
            BackendValue value = new BackendValue(bk.address(), bk.port(), bk.protocol(), w.flags().get(bk));
            if (id == null) id = state.allocateBackend(bk.address());
            if (!value.equals(state.backends(bk.address()).get(id))) {
                writes.update(PhasedWrites.BACKENDS, backendMap(bk.address()), id, value);
                state.backends(bk.address()).put(id, value);
                state.backendIds.put(bk, id);
                counts[2]++;
            }
            ids[i] = id;
        }
        // make: rev-NAT id and name
        ProgrammedState.RevKey rk = new ProgrammedState.RevKey(addr, w.key().port(), w.key().protocol());
        Integer revNat = state.revNatIds.get(rk);
        if (revNat == null) {
            revNat = state.allocateRevNat();
            writes.update(PhasedWrites.REV_NAT, ProgrammedState.v4(addr) ? revNat4 : revNat6, revNat, new RevNatValue(addr, w.key().port()));
            state.revNatIds.put(rk, revNat);
        }
        if (!w.name().equals(state.names.get(revNat))) {
            writes.update(PhasedWrites.REV_NAT, names, revNat, w.name());
            state.names.put(revNat, w.name());
        }
        SvcValue service = new SvcValue(0, ids.length, revNat, w.service().flags(), w.service().affinityTimeout());
        if ((service.flags() & MapLayout.SVC_MAGLEV) != 0 && ids.length > 0) {
            // make: the Maglev table, before the entry that points readers at the new backends
            int[] owners = dev.kpf.dataplane.lb.Maglev.table(w.backends().stream()
                    .map(b -> b.address().getHostAddress() + ":" + b.port()).toList(), options.maglevTableSize());
            int[] table = new int[owners.length];
            for (int j = 0; j < owners.length; j++) table[j] = ids[owners[j]];
            if (!Arrays.equals(table, maglevTables.get(revNat))) {
                writes.update(PhasedWrites.SLOTS, maglev4, revNat, table);
                maglevTables.put(revNat, table);
            }
        } else if (maglevTables.remove(revNat) != null) {
            writes.delete(PhasedWrites.DELETE_REFERENCED, maglev4, revNat);
        }
        ProgrammedState.Frontend old = state.frontends.get(w.key());
        if (old != null && old.service().equals(service) && Arrays.equals(old.backendIds(), ids)) return;
        BpfMap<SvcKey, SvcValue> map = svcMap(addr);
        // make: slots, then the slot-0 entry that makes readers use them
        for (int i = 0; i < ids.length; i++) {
            if (old == null || i >= old.backendIds().length || old.backendIds()[i] != ids[i]) {
                writes.update(PhasedWrites.SLOTS, map, w.key().withSlot(i + 1), SvcValue.slot(ids[i]));
            }
        }
        writes.update(PhasedWrites.SERVICE_ENTRIES, map, w.key(), service);
        state.putFrontend(w.key(), new ProgrammedState.Frontend(service, ids, w.name(), w.owner()));
        counts[0]++;
        // references: the new ones count before the old ones are dropped
        for (ProgrammedState.BackendKey bk : w.backends()) state.backendRefs.merge(bk, 1, Integer::sum);
        if (old == null) state.revNatRefs.merge(rk, 1, Integer::sum);
        // break: slots beyond the new count, then backends nothing refers to any more
        if (old != null) {
            for (int i = ids.length; i < old.backendIds().length; i++) writes.delete(PhasedWrites.DELETE_SLOTS, map, w.key().withSlot(i + 1));
            for (int id : old.backendIds()) unrefBackend(addr, id, counts, writes);
        }
    }

    private void deleteFrontend(SvcKey k, int[] counts, PhasedWrites writes) {
        ProgrammedState.Frontend old = state.removeFrontend(k);
        BpfMap<SvcKey, SvcValue> map = svcMap(k.address());
        writes.delete(PhasedWrites.DELETE_ENTRIES, map, k);
        counts[1]++;
        if (old == null) return;
        for (int i = 0; i < old.backendIds().length; i++) writes.delete(PhasedWrites.DELETE_SLOTS, map, k.withSlot(i + 1));
        for (int id : old.backendIds()) unrefBackend(k.address(), id, counts, writes);
        ProgrammedState.RevKey rk = new ProgrammedState.RevKey(k.address(), k.port(), k.protocol());
        if (state.revNatRefs.merge(rk, -1, Integer::sum) <= 0) {
            state.revNatRefs.remove(rk);
            Integer id = state.revNatIds.remove(rk);
            if (id != null) {
                if (maglevTables.remove(id) != null) writes.delete(PhasedWrites.DELETE_REFERENCED, maglev4, id);
                writes.delete(PhasedWrites.DELETE_REFERENCED, ProgrammedState.v4(k.address()) ? revNat4 : revNat6, id);
                writes.delete(PhasedWrites.DELETE_REFERENCED, names, id);
                // the counters go with the id, so a frontend that gets it next starts from zero
                writes.delete(PhasedWrites.DELETE_REFERENCED, stats, new long[] {MapLayout.STAT_FRONTEND, id});
                state.names.remove(id);
                state.releaseRevNat(id);
            }
        }
    }

    private void unrefBackend(InetAddress family, int id, int[] counts, PhasedWrites writes) {
        BackendValue v = state.backends(family).get(id);
        if (v == null) return;
        ProgrammedState.BackendKey bk = new ProgrammedState.BackendKey(v.address(), v.port(), v.protocol());
        if (state.backendRefs.merge(bk, -1, Integer::sum) > 0) return;
        state.backendRefs.remove(bk);
        writes.delete(PhasedWrites.DELETE_REFERENCED, backendMap(family), id);
        writes.delete(PhasedWrites.DELETE_REFERENCED, stats, new long[] {MapLayout.STAT_BACKEND,
                Integer.toUnsignedLong(ProgrammedState.v4(family) ? id : id | MapLayout.STAT_V6_BIT)});
        state.backends(family).remove(id);
        state.backendIds.remove(bk);
        state.releaseBackend(family, id);
        counts[3]++;
    }

    // ---- read back ----

    @Override
    public synchronized LbTable readBack() {
        return MapReader.read(svc4.entries(), svc6.entries(), backends4.entries(), backends6.entries(), names.entries());
    }

    /**
     * Attaches the tc programs to the options' devices with tcx links (or gives pinned ones the new programs), detaches
     * links of devices that are no longer wanted, and writes the SNAT address. Returns whether links were adopted.
     */
    private static boolean attachTc(Options options, BpfObject object, List<BpfLink> links, List<BpfLink> created) {
        if (options.clsact()) return attachFilters(options, object);
        boolean adopted = false;
        java.util.Set<Path> wanted = new HashSet<>();
        java.util.Set<String> held = new HashSet<>();
        for (BpfLink l : links) held.add(l.toString());
        for (Device device : options.devices()) {
            for (boolean ingress : new boolean[] {true, false}) {
                BpfProgram program = object.program(ingress ? MapLayout.TC_INGRESS : MapLayout.TC_EGRESS);
                Path pin = options.pins().path(MapLayout.LINKS + "/" + device.linkPin(ingress));
                wanted.add(pin);
                if (held.contains("link " + pin)) continue; // attached by this datapath already
                if (Files.exists(pin)) {
                    BpfLink link = BpfLink.openPinned(pin);
                    links.add(link);
                    link.updateProgram(program);
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

    /** The SNAT addresses and port range the tc programs use. */
    private static void writeTcConfig(Options options, BpfObject object) {
        BpfMap<Integer, TcConfig> config = object.map(MapLayout.TC_CONFIG, MapCodec.u32(), Codecs.TC_CONFIG);
        config.update(0, new TcConfig(options.snat4(), TcConfig.PORT_MIN, TcConfig.PORT_MAX));
        BpfMap<Integer, java.net.InetAddress> config6 = object.map(MapLayout.TC_CONFIG6, MapCodec.u32(), Codecs.TC_CONFIG6);
        config6.update(0, options.snat6() instanceof java.net.Inet6Address a ? a : null);
    }

    /**
     * Kernels without tcx links: the tc programs as clsact filters (priority {@link MapLayout#TC_FILTER_PRIORITY},
     * a handle of this pin directory's, see {@link #filterHandle}), which the kernel keeps when the agent exits; a new
     * agent replaces their programs atomically. This pin directory's filters on interfaces of the agent's namespace
     * that are no longer wanted are removed. Returns whether filters were there already (adopted).
     */
    private static boolean attachFilters(Options options, BpfObject object) {
        boolean adopted = false;
        int handle = filterHandle(options.pins());
        java.util.Set<Integer> wanted = new HashSet<>();
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
        tcLinkPins(options.pins()).forEach(BpfDatapath::detachLink);
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
    private static List<String> detachOwnFilters(PinDirectory pins, List<Integer> ifindexes) {
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
    private static List<Integer> ownInterfaceIndexes() {
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

    /**
     * Moves the tc programs to {@code devices} (re-detected devices, e.g. after an address change): links to new
     * devices are attached, links to devices no longer wanted are detached, and the SNAT address is rewritten.
     */
    public synchronized void setDevices(List<Device> devices, InetAddress snat4) {
        Options next = new Options(options.pins(), options.cgroup(), options.capacities(), devices, snat4, options.maglev(), options.snat6(),
                options.maglevTableSize(), options.clsact());
        attachTc(next, object, links, new ArrayList<>());
        if (next.clsact()) {
            List<Device> gone = new ArrayList<>(options.devices());
            gone.removeAll(devices);
            detachFilters(options.pins(), gone);
        }
        options = next;
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

    /** Detaches the pinned link at {@code pin}, whoever holds it, and removes the pin. */
    private static void detachLink(Path pin) {
        try (BpfLink link = BpfLink.openPinned(pin)) {
            link.detach();
            link.unpin();
        }
    }

    private static List<Path> tcLinkPins(PinDirectory pins) {
        Path dir = pins.path(MapLayout.LINKS);
        if (!Files.isDirectory(dir)) return List.of();
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("tc_")).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("list " + dir, e);
        }
    }

    /** Per-frontend and per-backend counters summed over CPUs, resolved through the maps. */
    @Override
    /**
     * The counters, resolved through the mirror of what the maps hold (copied under the lock, which syncs take too);
     * only the stats map is read from the kernel, outside the lock, so a scrape or a TUI refresh does not hold up a sync.
     */
    public Counters counters() {
        Map<SvcKey, SvcValue> s4 = new HashMap<>(), s6 = new HashMap<>();
        Map<Integer, BackendValue> b4, b6;
        synchronized (this) {
            state.frontends.forEach((k, f) -> (ProgrammedState.v4(k.address()) ? s4 : s6).put(k, f.service()));
            b4 = new HashMap<>(state.backends4);
            b6 = new HashMap<>(state.backends6);
        }
        Map<List<Long>, long[]> raw = new HashMap<>();
        stats.entries().forEach((k, v) -> raw.put(List.of(k[0], k[1]), v));
        return CounterReader.read(s4, s6, b4, b6, raw);
    }

    @Override
    public synchronized Map<String, long[]> mapUsage() {
        Map<String, long[]> out = new TreeMap<>();
        out.put(svc4.name(), new long[] {state.svcEntries(true), svc4.maxEntries()});
        out.put(svc6.name(), new long[] {state.svcEntries(false), svc6.maxEntries()});
        out.put(backends4.name(), new long[] {state.backends4.size(), backends4.maxEntries()});
        out.put(backends6.name(), new long[] {state.backends6.size(), backends6.maxEntries()});
        out.put(names.name(), new long[] {state.names.size(), names.maxEntries()});
        return out;
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
                + (adopted ? " (adopted from an earlier agent)" : "");
    }

    /** Releases this process's handles; maps, programs and links stay pinned and keep serving. */
    @Override
    public void close() {
        links.forEach(BpfLink::close);
        object.close();
    }

    /**
     * Detaches every pinned kpf link and removes every pin under the directory. Returns what was removed. Works
     * without a running agent (e.g. after a crash) and is idempotent.
     */
    public static List<String> cleanup(PinDirectory pins) {
        List<String> removed = new ArrayList<>();
        for (MapLayout.Hook hook : MapLayout.HOOKS) {
            Path pin = pins.path(MapLayout.LINKS + "/" + hook.attachType());
            if (!Files.exists(pin)) continue;
            detachLink(pin);
            removed.add("link " + hook.attachType() + " (detached)");
        }
        for (Path pin : tcLinkPins(pins)) {
            detachLink(pin);
            removed.add("link " + pin.getFileName() + " (detached)");
        }
        // clsact filters (kernels without tcx) on this namespace's interfaces
        removed.addAll(detachOwnFilters(pins, ownInterfaceIndexes()));
        Set<Path> directories = new HashSet<>();
        for (Path p : pins.list()) if (Files.isDirectory(p)) directories.add(p);
        if (Files.isDirectory(pins.root())) directories.add(pins.root());
        for (Path p : pins.removeAll()) removed.add((directories.contains(p) ? "directory " : "pin ") + p);
        return removed;
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
