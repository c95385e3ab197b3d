package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.model.Cidr;
import dev.kpf.probes.bpf.MapAccess;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * kpf_srcrange4/6, the client prefixes of frontends with loadBalancerSourceRanges, by frontend (its external-scope
 * service key): what the maps hold, and the writes that make them hold a frontend's prefixes make-before-break (new
 * ones before the entry that checks them, old ones after it stopped).
 */
final class SourceRanges {
    private final MapAccess<SourceRangeKey, Byte> ranges4, ranges6;
    private final Map<SvcKey, Set<SourceRangeKey>> held = new HashMap<>();

    SourceRanges(MapAccess<SourceRangeKey, Byte> ranges4, MapAccess<SourceRangeKey, Byte> ranges6) {
        this.ranges4 = ranges4;
        this.ranges6 = ranges6;
    }

    /** The prefixes a frontend needs: its family's CIDRs (none without loadBalancerSourceRanges). */
    static Set<SourceRangeKey> keys(LbEntry e) {
        Frontend f = e.frontend();
        if (e.sourceRanges().isEmpty()) return Set.of();
        Set<SourceRangeKey> keys = new HashSet<>();
        for (Cidr c : e.sourceRanges()) {
            if (ProgrammedState.v4(c.network()) == ProgrammedState.v4(f.address())) {
                keys.add(new SourceRangeKey(f.address(), f.port(), f.protocol().number, c.network(), c.prefixLength()));
            }
        }
        return keys;
    }

    /** Reads what the maps hold (with the rest of the mirror). */
    void reread() {
        held.clear();
        for (MapAccess<SourceRangeKey, Byte> m : List.of(ranges4, ranges6)) {
            for (SourceRangeKey k : m.entries().keySet()) held.computeIfAbsent(k.frontendKey(), x -> new HashSet<>()).add(k);
        }
    }

    /** Queues what makes the maps hold exactly {@code keys} for {@code frontend}. */
    void write(SvcKey frontend, Set<SourceRangeKey> keys, PhasedWrites writes) {
        Set<SourceRangeKey> have = held.getOrDefault(frontend, Set.of());
        if (have.equals(keys)) return;
        MapAccess<SourceRangeKey, Byte> map = ProgrammedState.v4(frontend.address()) ? ranges4 : ranges6;
        for (SourceRangeKey k : keys) if (!have.contains(k)) writes.update(PhasedWrites.BACKENDS, map, k, (byte) 1);
        for (SourceRangeKey k : have) if (!keys.contains(k)) writes.delete(PhasedWrites.DELETE_REFERENCED, map, k);
        if (keys.isEmpty()) held.remove(frontend);
        else held.put(frontend, new HashSet<>(keys));
    }

    /** Whether no frontend's prefixes are held. */
    boolean isEmpty() {
        return held.isEmpty();
    }

    /** A full sync: the prefixes of frontends that no longer check any (their entry has no source-range flag) go. */
    void dropAllBut(Set<SvcKey> users, PhasedWrites writes) {
        for (SvcKey k : new ArrayList<>(held.keySet())) if (!users.contains(k)) write(k, Set.of(), writes);
    }
}
