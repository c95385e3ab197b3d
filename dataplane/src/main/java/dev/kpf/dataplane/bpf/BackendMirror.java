package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.model.IpAddress;
import java.util.function.ObjIntConsumer;

/**
 * The backends the maps hold, as the writer's mirror keeps them: each family's values by id, and the id each backend
 * identity (address, port, IP protocol) is written under. A read-back can find one backend under two ids (a write
 * that failed midway); the identity then names the one in use, and the other stays a value until it is deleted.
 * Flat arrays, not maps: at 10,000 Services x 10 endpoints this holds 100,000 backends in about 5 MB where
 * {@code HashMap}s of records and boxed ids took 14 MB; the values are kept as columns, not objects. Not thread-safe (the writer's lock guards it).
 */
final class BackendMirror {
    /** What {@link #id} returns for an identity written under no id. */
    static final int NONE = -1;

    private final Values values4 = new Values(), values6 = new Values();
    private final Ids ids = new Ids();

    BackendValue get(IpAddress family, int id) {
        return values(family.isV4()).get(id);
    }

    /** The value under {@code id} in the family of {@code family} (a frontend's address). */
    BackendValue get(java.net.InetAddress family, int id) {
        return values(ProgrammedState.v4(family)).get(id);
    }

    BackendValue get(boolean v4, int id) {
        return values(v4).get(id);
    }

    /** Puts the value under its id in its address's family; the identity index is left as it is. */
    void put(int id, BackendValue value) {
        values(value.address().isV4()).put(id, value);
    }

    void remove(boolean v4, int id) {
        values(v4).remove(id);
    }

    int size(boolean v4) {
        return values(v4).size();
    }

    /** Every value of one family with its id, in no particular order. */
    void forEach(boolean v4, ObjIntConsumer<BackendValue> action) {
        values(v4).forEach(action);
    }

    /** The id the backend is written under, or {@link #NONE}. */
    int id(ProgrammedState.BackendKey key) {
        return ids.get(key.address(), pack(key));
    }

    void putId(ProgrammedState.BackendKey key, int id) {
        ids.put(key.address(), pack(key), id, true);
    }

    void putIdIfAbsent(ProgrammedState.BackendKey key, int id) {
        ids.put(key.address(), pack(key), id, false);
    }

    /** Forgets the backend's id if it is {@code id} (a second id of the same backend leaves the one in use alone). */
    void removeId(ProgrammedState.BackendKey key, int id) {
        ids.remove(key.address(), pack(key), id);
    }

    int ids() {
        return ids.size();
    }

    /** Makes room for {@code total4} IPv4 and {@code total6} IPv6 backends in all, values and identities. */
    void reserve(int total4, int total6) {
        values4.reserve(total4);
        values6.reserve(total6);
        ids.reserve(total4 + total6);
    }

    /**
     * For a backend the mirror holds equal already under {@code id}: keeps this value's address instance (in the
     * values and in the identity index), so that the mirror refers to the addresses the translated table does rather
     * than to those of an endpoint version that is gone.
     */
    void shareInstances(ProgrammedState.BackendKey key, int id, BackendValue value) {
        values(value.address().isV4()).put(id, value);
        ids.holdAddress(key.address(), pack(key));
    }

    /** The farthest a value of the family sits from its home slot (tests). */
    int longestDisplacement(boolean v4) {
        return values(v4).longestDisplacement();
    }

    /** The address instance the identity index holds for {@code key} (tests), or null. */
    IpAddress heldAddress(ProgrammedState.BackendKey key) {
        return ids.address(key.address(), pack(key));
    }

    private Values values(boolean v4) {
        return v4 ? values4 : values6;
    }

    private static int pack(ProgrammedState.BackendKey key) {
        return (key.port() & 0xffff) << 8 | (key.protocol() & 0xff);
    }

    /**
     * Values by id, as columns: each value's address and its port, protocol and flags packed in one int (the widths
     * the map's value has), so that no {@link BackendValue} object stays per backend (32 bytes each: 3.8 MB at
     * 10,000 x 10 with dual-stack services); {@link #get} makes one on each call. An empty slot has no address.
     */
    private static final class Values extends FlatTable {
        private int[] keys = new int[16];
        private IpAddress[] addresses = new IpAddress[16];
        private int[] packed = new int[16];

        BackendValue get(int id) {
            int slot = slot(id);
            if (addresses[slot] == null) return null;
            return unpack(addresses[slot], packed[slot]);
        }

        void put(int id, BackendValue value) {
            int p = pack(value);
            int slot = slot(id);
            if (addresses[slot] == null) {
                if (full()) {
                    grow();
                    slot = slot(id);
                }
                size++;
            }
            keys[slot] = id;
            addresses[slot] = value.address();
            packed[slot] = p;
        }

        void remove(int id) {
            int slot = slot(id);
            if (addresses[slot] != null) removeAt(slot);
        }

        void forEach(ObjIntConsumer<BackendValue> action) {
            for (int i = 0; i < addresses.length; i++) {
                if (addresses[i] != null) action.accept(unpack(addresses[i], packed[i]), keys[i]);
            }
        }

        /** Port, protocol and flags in one int; a value the map could not hold is refused rather than cut. */
        private static int pack(BackendValue v) {
            if ((v.port() & ~0xffff) != 0 || (v.protocol() & ~0xff) != 0 || (v.flags() & ~0xff) != 0) {
                throw new IllegalArgumentException("backend value " + v + " does not fit a kpf_backends value (16-bit port, 8-bit protocol and flags)");
            }
            return v.port() << 16 | v.protocol() << 8 | v.flags();
        }

        private static BackendValue unpack(IpAddress address, int p) {
            return new BackendValue(address, p >>> 16, p >>> 8 & 0xff, p & 0xff);
        }

        private int slot(int id) {
            int i = idHome(id);
            while (addresses[i] != null && keys[i] != id) i = next(i);
            return i;
        }

        @Override
        protected void resize(int capacity) {
            int[] oldKeys = keys, oldPacked = packed;
            IpAddress[] oldAddresses = addresses;
            keys = new int[capacity];
            addresses = new IpAddress[keys.length];
            packed = new int[keys.length];
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldAddresses[i] == null) continue;
                int slot = slot(oldKeys[i]);
                keys[slot] = oldKeys[i];
                addresses[slot] = oldAddresses[i];
                packed[slot] = oldPacked[i];
            }
        }

        @Override
        protected int capacity() {
            return keys.length;
        }

        @Override
        protected boolean occupied(int slot) {
            return addresses[slot] != null;
        }

        @Override
        protected int homeAt(int slot) {
            return idHome(keys[slot]);
        }

        @Override
        protected void move(int from, int to) {
            keys[to] = keys[from];
            addresses[to] = addresses[from];
            packed[to] = packed[from];
            addresses[from] = null;
        }

        @Override
        protected void empty(int slot) {
            addresses[slot] = null;
        }
    }

    /** Ids by backend identity, the identity held as its address and port-and-protocol: an empty slot has no address. */
    private static final class Ids extends FlatTable {
        private IpAddress[] addresses = new IpAddress[16];
        private int[] portProtocols = new int[16];
        private int[] ids = new int[16];

        int get(IpAddress address, int portProtocol) {
            int slot = slot(address, portProtocol);
            return addresses[slot] == null ? NONE : ids[slot];
        }

        void put(IpAddress address, int portProtocol, int id, boolean replace) {
            int slot = slot(address, portProtocol);
            if (addresses[slot] != null) {
                if (replace) {
                    ids[slot] = id;
                    addresses[slot] = address; // equal; the caller's instance is the one the table holds
                }
                return;
            }
            if (full()) {
                grow();
                slot = slot(address, portProtocol);
            }
            addresses[slot] = address;
            portProtocols[slot] = portProtocol;
            ids[slot] = id;
            size++;
        }

        void remove(IpAddress address, int portProtocol, int id) {
            int slot = slot(address, portProtocol);
            if (addresses[slot] != null && ids[slot] == id) removeAt(slot);
        }

        /** Holds {@code address} (equal to the one held) for the identity, if present. */
        void holdAddress(IpAddress address, int portProtocol) {
            int slot = slot(address, portProtocol);
            if (addresses[slot] != null) addresses[slot] = address;
        }

        IpAddress address(IpAddress address, int portProtocol) {
            return addresses[slot(address, portProtocol)];
        }

        private static int hash(IpAddress address, int portProtocol) {
            return mix((long) address.hashCode() << 24 ^ portProtocol);
        }

        private int slot(IpAddress address, int portProtocol) {
            int i = home(hash(address, portProtocol));
            while (addresses[i] != null && (portProtocols[i] != portProtocol || !addresses[i].equals(address))) i = next(i);
            return i;
        }

        @Override
        protected void resize(int capacity) {
            IpAddress[] oldAddresses = addresses;
            int[] oldPortProtocols = portProtocols, oldIds = ids;
            addresses = new IpAddress[capacity];
            portProtocols = new int[addresses.length];
            ids = new int[addresses.length];
            for (int i = 0; i < oldAddresses.length; i++) {
                if (oldAddresses[i] == null) continue;
                int slot = slot(oldAddresses[i], oldPortProtocols[i]);
                addresses[slot] = oldAddresses[i];
                portProtocols[slot] = oldPortProtocols[i];
                ids[slot] = oldIds[i];
            }
        }

        @Override
        protected int capacity() {
            return addresses.length;
        }

        @Override
        protected boolean occupied(int slot) {
            return addresses[slot] != null;
        }

        @Override
        protected int homeAt(int slot) {
            return home(hash(addresses[slot], portProtocols[slot]));
        }

        @Override
        protected void move(int from, int to) {
            addresses[to] = addresses[from];
            portProtocols[to] = portProtocols[from];
            ids[to] = ids[from];
            addresses[from] = null;
        }

        @Override
        protected void empty(int slot) {
            addresses[slot] = null;
        }
    }
}
