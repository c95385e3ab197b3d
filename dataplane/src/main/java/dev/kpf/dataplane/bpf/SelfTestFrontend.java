package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.BpfMap;
import dev.kpf.probes.bpf.MapCodec;
import dev.kpf.probes.bpf.PinDirectory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * A frontend the datapath self-test writes into the live maps for a few seconds: {@link #ADDRESS}:{@link #PORT}/TCP
 * (198.18.0.0/15 is reserved for network testing, so no cluster has it as a Service) to one backend on loopback,
 * under ids the agent never hands out ({@link #REV_NAT_ID}, {@link #BACKEND_ID}) and ignores when it adopts the maps.
 * Closing removes every entry it wrote; {@link #removeLeftovers} removes those of a self-test that was killed.
 */
public final class SelfTestFrontend implements AutoCloseable {
    public static final String ADDRESS_TEXT = "198.18.255.254";
    public static final InetAddress ADDRESS = address();
    public static final int PORT = 1;
    public static final int REV_NAT_ID = 0xffff;
    public static final int BACKEND_ID = 0x7fffffff;
    public static final String NAME = "ClusterIP\tkpf-system/kpf-selftest:selftest\tTCP";
    private static final int TCP = 6;

    private final Maps maps;

    private SelfTestFrontend(Maps maps) {
        this.maps = maps;
    }

    /** The self-test's ids, which adoption skips. */
    static boolean reserved(int revNatId) {
        return revNatId == REV_NAT_ID;
    }

    static boolean reservedBackend(int backendId) {
        return backendId == BACKEND_ID;
    }

    /**
     * Writes the test frontend, pointing at {@code backendPort} on 127.0.0.1 (of whichever namespace the client is
     * in). Refuses when the address is already a frontend of someone else's.
     */
    public static SelfTestFrontend install(PinDirectory pins, int backendPort) {
        Maps maps = Maps.open(pins);
        Optional<SvcValue> existing = maps.svc4.lookup(key(0));
        if (existing.isPresent() && existing.get().revNatId() != REV_NAT_ID) {
            maps.close();
            throw new DatapathException(ADDRESS_TEXT + ":" + PORT + "/TCP is a frontend of the cluster (rev-NAT id "
                    + existing.get().revNatId() + "), which the self-test reserves: it cannot run on this node", null);
        }
        try {
            // backend, reverse NAT and name before the slots that refer to them; slot 0 last
            maps.backends4.update(BACKEND_ID, new BackendValue(InetAddress.getLoopbackAddress(), backendPort, TCP, 0));
            maps.revNat4.update(REV_NAT_ID, new RevNatValue(ADDRESS, PORT));
            maps.names.update(REV_NAT_ID, NAME);
            maps.svc4.update(key(1), SvcValue.slot(BACKEND_ID));
            maps.svc4.update(key(0), new SvcValue(0, 1, REV_NAT_ID, 0, 0));
            return new SelfTestFrontend(maps);
        } catch (RuntimeException e) {
            remove(maps);
            maps.close();
            throw e;
        }
    }

    /** Removes what a killed self-test left; returns whether there was anything. */
    public static boolean removeLeftovers(PinDirectory pins) {
        try (Maps maps = Maps.open(pins)) {
            Optional<SvcValue> v = maps.svc4.lookup(key(0));
            boolean ours = v.isPresent() && v.get().revNatId() == REV_NAT_ID;
            boolean any = ours || maps.backends4.lookup(BACKEND_ID).isPresent();
            if (ours || v.isEmpty()) remove(maps);
            return any;
        }
    }

    private static void remove(Maps maps) {
        maps.svc4.delete(key(0));
        maps.svc4.delete(key(1));
        maps.names.delete(REV_NAT_ID);
        maps.revNat4.delete(REV_NAT_ID);
        maps.backends4.delete(BACKEND_ID);
        maps.stats.delete(new long[] {MapLayout.STAT_FRONTEND, REV_NAT_ID});
        maps.stats.delete(new long[] {MapLayout.STAT_BACKEND, BACKEND_ID});
    }

    private static SvcKey key(int slot) {
        return new SvcKey(ADDRESS, PORT, TCP, MapLayout.SCOPE_EXTERNAL, slot);
    }

    @Override
    public void close() {
        try {
            remove(maps);
        } finally {
            maps.close();
        }
    }

    private static InetAddress address() {
        try {
            return InetAddress.getByAddress(new byte[]{(byte) 198, 18, (byte) 255, (byte) 254});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Maps(BpfMap<SvcKey, SvcValue> svc4, BpfMap<Integer, BackendValue> backends4, BpfMap<Integer, RevNatValue> revNat4,
                        BpfMap<Integer, String> names, BpfMap<long[], long[]> stats) implements AutoCloseable {
        static Maps open(PinDirectory pins) {
            java.util.List<AutoCloseable> opened = new java.util.ArrayList<>();
            try {
                BpfMap<SvcKey, SvcValue> svc4 = add(opened, BpfMap.openPinned(pins.path(MapLayout.SVC4), Codecs.svcKey(4), Codecs.SVC_VALUE));
                BpfMap<Integer, BackendValue> b4 = add(opened, BpfMap.openPinned(pins.path(MapLayout.BACKENDS4), MapCodec.u32(), Codecs.backend(4)));
                BpfMap<Integer, RevNatValue> r4 = add(opened, BpfMap.openPinned(pins.path(MapLayout.REVNAT4), MapCodec.u32(), Codecs.revNat(4)));
                BpfMap<Integer, String> names = add(opened, BpfMap.openPinned(pins.path(MapLayout.NAMES), MapCodec.u32(), Codecs.NAME));
                return new Maps(svc4, b4, r4, names, BpfMap.openPinned(pins.path(MapLayout.STATS), Codecs.STAT_KEY,
                        Codecs.statValues(dev.kpf.probes.bpf.Libbpf.possibleCpus())));
            } catch (RuntimeException e) {
                for (AutoCloseable c : opened) {
                    try {
                        c.close();
                    } catch (Exception ignored) {
                        // closing what was opened before the failure
                    }
                }
                throw e;
            }
        }

        private static <T extends AutoCloseable> T add(java.util.List<AutoCloseable> opened, T map) {
            opened.add(map);
            return map;
        }

        @Override
        public void close() {
            svc4.close();
            backends4.close();
            revNat4.close();
            names.close();
            stats.close();
        }
    }
}
