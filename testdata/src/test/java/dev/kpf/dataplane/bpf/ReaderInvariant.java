package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Backend;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.Scope;
import dev.kpf.dataplane.model.Cidr;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every reader of the maps may rely on at every instant between two syscalls of a sync (the invariant the
 * writer's docs state), checked against the intents a sync leads between:
 * <ul>
 * <li>every visible frontend belongs to one of the intents, its rev-NAT entry shows its own address and port and its
 *     name is its own Service port's;</li>
 * <li>each of its slots exists and resolves to an existing backend of its own Service (in one of the intents): no
 *     connection is left untranslated or sent to another Service's pod; it refuses only when an intent has no
 *     backends for it; its Maglev table resolves the same way; its source ranges admit every client all intents
 *     admit and no client that none admits;</li>
 * <li>a client holding a ClientIP-affinity entry is sent to a backend of the Service (the connect model below
 *     follows kpf_sock.bpf.c);</li>
 * <li>within one writer's life an id never gets a second meaning: a reader that read a slot a moment ago finds the
 *     backend it meant or nothing.</li>
 * </ul>
 * The intents are those since the last sync that ended clean (a failed sync leaves a mix of them).
 */
final class ReaderInvariant {
    /** What the intents allow one frontend (svc map key, slot 0). */
    private static final class Allowed {
        final Set<ProgrammedState.BackendKey> backends = new HashSet<>();
        final Set<String> names = new HashSet<>();
        boolean mayRefuse;
        boolean anyAllClients;
        /** Client prefixes every intent admits (null: not narrowed yet) and that some intent admits. */
        Set<SourceRangeKey> everyIntent;
        final Set<SourceRangeKey> someIntent = new HashSet<>();
    }

    private final FakeMaps maps;
    private final Map<SvcKey, Allowed> allowed = new HashMap<>();
    /** The intent of the last sync (what the maps hold once it ended clean). */
    private LbTable programmed = LbTable.empty();
    private final Map<String, Object> meanings = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final java.util.Random random;
    private int checks;
    private String during = "";

    ReaderInvariant(FakeMaps maps, long seed) {
        this.maps = maps;
        this.random = new java.util.Random(seed);
    }

    /** A sync towards {@code intent} starts; {@code clean}: the maps held the previous intent exactly. */
    void syncStarts(LbTable intent, boolean clean, String what) {
        if (clean) {
            allowed.clear();
            allow(programmed);
        }
        during = what;
        allow(intent);
        programmed = intent;
    }

    /** The sync ended clean: from now on only its intent is allowed; the clients connect again. */
    void syncEnded() {
        allowed.clear();
        allow(programmed);
        during = during + ", after it";
        check();
    }

    private void allow(LbTable intent) {
        for (LbEntry e : intent.entries().values()) {
            Allowed a = allowed.computeIfAbsent(key(e.frontend()), k -> new Allowed());
            for (Backend b : e.backends()) a.backends.add(new ProgrammedState.BackendKey(b.ip(), b.port(), b.protocol().number));
            a.mayRefuse |= e.backends().isEmpty();
            a.names.add(MapLayout.fitName(e.type().label + "\t" + e.servicePortName() + "\t" + e.frontend().protocol().name()));
            Set<SourceRangeKey> ranges = SourceRanges.keys(e);
            if (ranges.isEmpty()) {
                a.anyAllClients = true;
            } else {
                a.someIntent.addAll(ranges);
                if (a.everyIntent == null) a.everyIntent = new HashSet<>(ranges);
                else a.everyIntent.retainAll(ranges);
            }
        }
    }

    /** A new writer (an agent restart): ids it hands out may differ from the last one's. */
    void writerRestarted() {
        meanings.clear();
    }

    static SvcKey key(Frontend f) {
        return new SvcKey(f.address(), f.port(), f.protocol().number, f.scope() == Scope.INTERNAL ? MapLayout.SCOPE_INTERNAL : MapLayout.SCOPE_EXTERNAL, 0);
    }

    List<String> violations() {
        return violations;
    }

    int checks() {
        return checks;
    }

    private void violation(String text) {
        if (violations.size() < 20) violations.add(during + ": " + text);
    }

    /** The observer of every single write: id meanings, then the whole invariant. */
    void written(FakeKernel.FakeMap<?, ?> map, Object key, Object value) {
        if (value != null && (map == maps.backends4 || map == maps.backends6)) {
            BackendValue b = (BackendValue) value;
            meaning(map.name() + "/" + key, new ProgrammedState.BackendKey(b.address(), b.port(), b.protocol()));
        }
        if (value != null && (map == maps.revNat4 || map == maps.revNat6)) meaning(map.name() + "/" + key, value);
        check();
    }

    private void meaning(String id, Object meaning) {
        Object before = meanings.putIfAbsent(id, meaning);
        if (before != null && !before.equals(meaning)) violation("id " + id + " meant " + before + " and now means " + meaning);
    }

    /** Checks every visible frontend, and connects to each affinity frontend from two clients. */
    void check() {
        checks++;
        checkFamily(maps.svc4, maps.backends4, maps.revNat4);
        checkFamily(maps.svc6, maps.backends6, maps.revNat6);
    }

    private void checkFamily(FakeKernel.FakeMap<SvcKey, SvcValue> svc, FakeKernel.FakeMap<Integer, BackendValue> backends,
                             FakeKernel.FakeMap<Integer, RevNatValue> revNat) {
        for (Map.Entry<SvcKey, SvcValue> e : svc.entries().entrySet()) {
            SvcKey k = e.getKey();
            if (k.slot() != 0) continue;
            SvcValue v = e.getValue();
            Allowed a = allowed.get(k);
            String f = k.address().getHostAddress() + ":" + k.port() + "/" + k.protocol() + (k.scope() == MapLayout.SCOPE_INTERNAL ? "i" : "");
            if (a == null) {
                violation("frontend " + f + " is visible but in no intent");
                continue;
            }
            RevNatValue r = revNat.get(v.revNatId());
            if (!new RevNatValue(k.address(), k.port()).equals(r)) violation("frontend " + f + " rev-NAT id " + v.revNatId() + " shows " + r);
            String name = maps.names.get(v.revNatId());
            if (!a.names.contains(name)) violation("frontend " + f + " is named " + name + ", not " + a.names);
            if (v.count() == 0) {
                if (!a.mayRefuse) violation("frontend " + f + " refuses while its Service has backends");
            } else {
                for (int i = 1; i <= v.count(); i++) {
                    SvcValue slot = svc.get(k.withSlot(i));
                    if (slot == null) {
                        violation("frontend " + f + " slot " + i + " of " + v.count() + " is missing: its connections are left untranslated");
                        continue;
                    }
                    resolves(f, "slot " + i, slot.backendId(), backends, a);
                }
            }
            if ((v.flags() & MapLayout.SVC_MAGLEV) != 0 && v.count() > 0) {
                int[] table = maps.maglev4.get(v.revNatId());
                if (table == null) violation("frontend " + f + " has no Maglev table");
                else for (int id : new HashSet<>(java.util.Arrays.stream(table).boxed().toList())) resolves(f, "Maglev", id, backends, a);
            }
            checkSourceRanges(k, v, a, f);
            if ((v.flags() & MapLayout.SVC_AFFINITY) != 0 && v.count() > 0) {
                // clients on the node: an external entry of a two-scope frontend is used only while its internal one is missing
                boolean internalServes = (v.flags() & MapLayout.SVC_TWO_SCOPE) != 0 && k.scope() == MapLayout.SCOPE_EXTERNAL
                        && svc.get(k.withScope(MapLayout.SCOPE_INTERNAL)) != null;
                Allowed node = a;
                if ((v.flags() & MapLayout.SVC_TWO_SCOPE) != 0 && allowed.containsKey(k.withScope(MapLayout.SCOPE_INTERNAL))) {
                    node = new Allowed();
                    node.backends.addAll(a.backends);
                    node.backends.addAll(allowed.get(k.withScope(MapLayout.SCOPE_INTERNAL)).backends);
                }
                if (!internalServes) for (long netns = 1; netns <= 2; netns++) connect(netns, k, v, svc, backends, node, f);
            }
        }
    }

    private void resolves(String f, String via, int id, FakeKernel.FakeMap<Integer, BackendValue> backends, Allowed a) {
        BackendValue b = backends.get(id);
        if (b == null) {
            violation("frontend " + f + " " + via + " points at missing backend " + id);
        } else if (!a.backends.contains(new ProgrammedState.BackendKey(b.address(), b.port(), b.protocol()))) {
            violation("frontend " + f + " " + via + " resolves to " + b.address() + ":" + b.port() + ", not a backend of its Service");
        }
    }

    private void checkSourceRanges(SvcKey k, SvcValue v, Allowed a, String f) {
        boolean v4 = k.address() instanceof Inet4Address;
        if ((v.flags() & MapLayout.SVC_SOURCE_RANGES) == 0) {
            if (!a.anyAllClients) violation("frontend " + f + " admits every client, no intent does");
            return;
        }
        Set<SourceRangeKey> present = new HashSet<>();
        for (SourceRangeKey r : (v4 ? maps.sourceRanges4 : maps.sourceRanges6).entries().keySet()) {
            if (r.frontend().equals(k.address()) && r.port() == k.port() && r.protocol() == k.protocol()) present.add(r);
        }
        if (a.everyIntent != null && !present.containsAll(a.everyIntent)) {
            violation("frontend " + f + " drops clients every intent admits: has " + present + ", needs " + a.everyIntent);
        } else if (a.everyIntent == null) {
            violation("frontend " + f + " checks source ranges no intent has");
        }
        if (!a.anyAllClients && !a.someIntent.containsAll(present)) violation("frontend " + f + " admits prefixes no intent has: " + present);
    }

    /**
     * A connect from client namespace {@code netns}, as kpf_pick4/kpf_xlate6 do it with ClientIP affinity: the
     * remembered backend while it is still valid for this frontend, else a random slot, which is remembered.
     */
    private void connect(long netns, SvcKey k, SvcValue v, FakeKernel.FakeMap<SvcKey, SvcValue> svc,
                         FakeKernel.FakeMap<Integer, BackendValue> backends, Allowed a, String f) {
        int family = k.address() instanceof Inet4Address ? 4 : 6;
        AffinityKey ak = new AffinityKey(netns, v.revNatId(), family);
        AffinityValue held = maps.affinity.get(ak);
        if (held != null && SockProgramModel.affinityValid(maps, v.revNatId(), k.scope(), family, held.backendId()) && backends.get(held.backendId()) != null) {
            resolves(f, "affinity of client " + netns, held.backendId(), backends, a);
            return;
        }
        SvcValue slot = svc.get(k.withSlot(1 + random.nextInt(v.count())));
        if (slot == null || backends.get(slot.backendId()) == null) return; // reported above
        maps.affinity.put(ak, new AffinityValue(0, slot.backendId()));
    }
}
