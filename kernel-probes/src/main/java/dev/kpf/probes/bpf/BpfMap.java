package dev.kpf.probes.bpf;

import dev.kpf.probes.libbpf.libbpf_h;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.kpf.probes.bpf.Native.callState;
import static dev.kpf.probes.bpf.Native.check;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A loaded BPF map with typed keys and values. A map that belongs to a {@link BpfObject} is closed with the object;
 * one opened from a pin owns its descriptor and must be closed by its owner.
 */
public final class BpfMap<K, V> implements MapAccess<K, V>, AutoCloseable {
    /** Flags of {@code bpf_map_update_elem}. */
    public static final long BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2;
    private static final int BATCH = 4096;

    private final String name;
    private final int fd;
    private final OwnedFd owned;
    private final MapInfo info;
    private final MapCodec<K> keys;
    private final MapCodec<V> values;

    private BpfMap(String name, int fd, OwnedFd owned, MapCodec<K> keys, MapCodec<V> values) {
        this.name = name;
        this.fd = fd;
        this.owned = owned;
        this.keys = keys;
        this.values = values;
        this.info = readInfo(fd, name);
        int expectedValue = perCpu(info.type()) ? ((info.valueSize() + 7) & ~7) * Libbpf.possibleCpus() : info.valueSize();
        if (info.keySize() != keys.size() || expectedValue != values.size()) {
            if (owned != null) owned.close();
            throw new IllegalArgumentException("map " + name + " has key/value size " + info.keySize() + "/"
                    + expectedValue + " but the codecs are " + keys.size() + "/" + values.size());
        }
    }

    /** Per-CPU maps: user space reads and writes one 8-byte-aligned value per possible CPU. */
    public static boolean perCpu(int mapType) {
        return mapType == 5 || mapType == 6 || mapType == 10;
    }

    static <K, V> BpfMap<K, V> ofObject(String name, int fd, MapCodec<K> keys, MapCodec<V> values) {
        return new BpfMap<>(name, fd, null, keys, values);
    }

    /** Opens a pinned map ({@code bpf_obj_get}); the returned map owns its descriptor. */
    public static <K, V> BpfMap<K, V> openPinned(Path pin, MapCodec<K> keys, MapCodec<V> values) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = check(libbpf_h.bpf_obj_get(callState(arena), arena.allocateFrom(pin.toString())), "open pinned map", pin.toString());
            OwnedFd owned = new OwnedFd(fd, "map " + pin);
            return new BpfMap<>(pin.getFileName().toString(), fd, owned, keys, values);
        }
    }

    /**
     * Opens a pinned map as raw bytes, with key and value sizes as the kernel reports them (per-CPU values: one
     * 8-byte-aligned slot per possible CPU). For tools that copy maps whatever their layout, e.g. the sync bench.
     */
    public static BpfMap<byte[], byte[]> openPinnedRaw(Path pin) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = check(libbpf_h.bpf_obj_get(callState(arena), arena.allocateFrom(pin.toString())), "open pinned map", pin.toString());
            OwnedFd owned = new OwnedFd(fd, "map " + pin);
            MapInfo info;
            try {
                info = readInfo(fd, pin.getFileName().toString());
            } catch (RuntimeException e) {
                owned.close();
                throw e;
            }
            int value = perCpu(info.type()) ? ((info.valueSize() + 7) & ~7) * Libbpf.possibleCpus() : info.valueSize();
            return new BpfMap<>(pin.getFileName().toString(), fd, owned, MapCodec.bytes(info.keySize()), MapCodec.bytes(value));
        }
    }

    /**
     * Writes {@code count} entries already laid out back to back in {@code keys} and {@code values} with a single
     * {@code bpf_map_update_batch} call: the kernel's side of a sync alone (the sync bench's floor). Returns how
     * many were written.
     */
    public int updateBatchRaw(MemorySegment keys, MemorySegment values, int count) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocateFrom(JAVA_INT, count);
            int rc = libbpf_h.bpf_map_update_batch(callState(arena), fd, keys, values, c, batchOpts(arena));
            check(rc, "batch update map", name);
            return c.get(JAVA_INT, 0);
        }
    }

    /** Creates a map without an object ({@code bpf_map_create}); the caller owns it. Used by probes and tests. */
    public static <K, V> BpfMap<K, V> create(int type, String name, int maxEntries, MapCodec<K> keys, MapCodec<V> values) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = check(libbpf_h.bpf_map_create(callState(arena), type, arena.allocateFrom(name), keys.size(),
                    values.size(), maxEntries, MemorySegment.NULL), "create map", name);
            return new BpfMap<>(name, fd, new OwnedFd(fd, "map " + name), keys, values);
        }
    }

    private static MapInfo readInfo(int fd, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(libbpf_h.bpf_map_info);
            MemorySegment len = arena.allocateFrom(JAVA_INT, (int) libbpf_h.bpf_map_info.byteSize());
            check(libbpf_h.bpf_obj_get_info_by_fd(callState(arena), fd, info, len), "read info of map", name);
            long nameOffset = libbpf_h.bpf_map_info.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("name"));
            return new MapInfo(info.get(JAVA_INT, 0), info.get(JAVA_INT, 4), info.get(JAVA_INT, 8), info.get(JAVA_INT, 12),
                    info.get(JAVA_INT, 16), info.get(JAVA_INT, 20), info.asSlice(nameOffset, 16).getString(0));
        }
    }

    @Override
    public String name() { return name; }

    public MapInfo info() { return info; }

    @Override
    public int maxEntries() { return info.maxEntries(); }

    int fd() { return fd; }

    /** Writes one entry with {@code BPF_ANY}. */
    public void update(K key, V value) {
        update(key, value, BPF_ANY);
    }

    public void update(K key, V value, long flags) {
        try (Arena arena = Arena.ofConfined()) {
            check(libbpf_h.bpf_map_update_elem(callState(arena), fd, encode(arena, keys, key), encode(arena, values, value), flags),
                    "update map", name);
        }
    }

    @Override
    public Optional<V> lookup(K key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(values.size());
            int rc = libbpf_h.bpf_map_lookup_elem(callState(arena), fd, encode(arena, keys, key), v);
            if (rc == -Errno.ENOENT) return Optional.empty();
            check(rc, "lookup in map", name);
            return Optional.of(values.read(v, 0));
        }
    }

    /** Deletes one entry; false if it was not there (deletes are idempotent). */
    public boolean delete(K key) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = libbpf_h.bpf_map_delete_elem(callState(arena), fd, encode(arena, keys, key));
            if (rc == -Errno.ENOENT) return false;
            check(rc, "delete from map", name);
            return true;
        }
    }

    /** All keys, by walking {@code bpf_map_get_next_key}; bounded by the map's capacity. */
    public List<K> keys() {
        List<K> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            MemorySegment cur = arena.allocate(keys.size());
            MemorySegment next = arena.allocate(keys.size());
            MemorySegment prev = MemorySegment.NULL;
            for (int i = 0; i <= info.maxEntries(); i++) {
                int rc = libbpf_h.bpf_map_get_next_key(state, fd, prev, next);
                if (rc == -Errno.ENOENT) break;
                check(rc, "iterate map", name);
                out.add(keys.read(next, 0));
                MemorySegment.copy(next, 0, cur, 0, keys.size());
                prev = cur;
            }
        }
        return out;
    }

    /** All entries; uses {@code bpf_map_lookup_batch} where the map type supports it, else key-by-key lookups. */
    @Override
    public Map<K, V> entries() {
        try {
            return lookupBatch();
        } catch (BpfException e) {
            if (e.errno() != Errno.EINVAL && e.errno() != Errno.ENOTSUPP && e.errno() != Errno.EOPNOTSUPP) throw e;
        }
        Map<K, V> out = new LinkedHashMap<>();
        for (K k : keys()) lookup(k).ifPresent(v -> out.put(k, v));
        return out;
    }

    private Map<K, V> lookupBatch() {
        Map<K, V> out = new LinkedHashMap<>();
        int chunk = Math.max(1, Math.min(BATCH, info.maxEntries()));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            int tokenSize = Math.max(8, keys.size());
            MemorySegment in = arena.allocate(tokenSize);
            MemorySegment outToken = arena.allocate(tokenSize);
            MemorySegment ks = arena.allocate((long) keys.size() * chunk);
            MemorySegment vs = arena.allocate((long) values.size() * chunk);
            MemorySegment count = arena.allocate(JAVA_INT);
            MemorySegment opts = batchOpts(arena);
            boolean first = true;
            for (int round = 0; round <= info.maxEntries() / chunk + 1; round++) {
                count.set(JAVA_INT, 0, chunk);
                int rc = libbpf_h.bpf_map_lookup_batch(state, fd, first ? MemorySegment.NULL : in, outToken, ks, vs, count, opts);
                if (rc < 0 && rc != -Errno.ENOENT) check(rc, "batch lookup in map", name);
                int n = count.get(JAVA_INT, 0);
                for (int i = 0; i < n; i++) {
                    out.put(keys.read(ks, (long) i * keys.size()), values.read(vs, (long) i * values.size()));
                }
                if (rc == -Errno.ENOENT) break;
                MemorySegment.copy(outToken, 0, in, 0, tokenSize);
                first = false;
            }
        }
        return out;
    }

    /** Writes all entries with {@code bpf_map_update_batch} (chunks of 4096). Returns how many were written. */
    @Override
    public int updateBatch(Map<K, V> entries) {
        List<K> ks = new ArrayList<>(entries.size());
        List<V> vs = new ArrayList<>(entries.size());
        entries.forEach((k, v) -> {
            ks.add(k);
            vs.add(v);
        });
        return updateBatch(ks, vs);
    }

    /**
     * Writes {@code keyList.get(i)} = {@code valueList.get(i)} with {@code bpf_map_update_batch} (chunks of 4096; the
     * kernel writes a batch's entries in order, so a key listed twice ends with its last value). Returns how many
     * were written.
     */
    @Override
    public int updateBatch(List<K> keyList, List<V> valueList) {
        if (keyList.size() != valueList.size()) throw new IllegalArgumentException(keyList.size() + " keys but " + valueList.size() + " values");
        int written = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            MemorySegment opts = batchOpts(arena);
            MemorySegment count = arena.allocate(JAVA_INT);
            int chunk = Math.min(BATCH, Math.max(1, keyList.size()));
            MemorySegment ks = arena.allocate((long) keys.size() * chunk);
            MemorySegment vs = arena.allocate((long) values.size() * chunk);
            for (int start = 0; start < keyList.size(); start += chunk) {
                int n = Math.min(chunk, keyList.size() - start);
                for (int i = 0; i < n; i++) encode(ks, vs, i, keyList.get(start + i), valueList.get(start + i));
                count.set(JAVA_INT, 0, n);
                int rc = libbpf_h.bpf_map_update_batch(state, fd, ks, vs, count, opts);
                if (unbatched(rc, count.get(JAVA_INT, 0))) {
                    // a map type without batch operations on this kernel (LPM tries before 5.11...): one by one
                    for (int i = start; i < keyList.size(); i++) {
                        update(keyList.get(i), valueList.get(i));
                        written++;
                    }
                    return written;
                }
                written += count.get(JAVA_INT, 0);
                check(rc, "batch update map", name);
            }
        }
        return written;
    }

    /**
     * Lays out entry {@code i} of a batch. A method of its own: the loop that calls it runs once per batch, so it stays
     * interpreted for the first tens of thousands of entries in a cold JVM, and this call is all it does there.
     */
    private void encode(MemorySegment ks, MemorySegment vs, int i, K key, V value) {
        keys.write(ks, (long) i * keys.size(), key);
        values.write(vs, (long) i * values.size(), value);
    }

    /**
     * Deletes the given keys with {@code bpf_map_delete_batch}. The kernel stops a batch at the first absent key
     * (ENOENT, with the count of keys it deleted); that key is skipped and the rest continue, so deletes stay
     * idempotent. Returns how many keys were actually deleted.
     */
    @Override
    public int deleteBatch(Collection<K> toDelete) {
        List<K> list = new ArrayList<>(toDelete);
        if (list.isEmpty()) return 0;
        int deleted = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = callState(arena);
            MemorySegment opts = batchOpts(arena);
            MemorySegment count = arena.allocate(JAVA_INT);
            MemorySegment ks = arena.allocate((long) keys.size() * list.size());
            for (int i = 0; i < list.size(); i++) keys.write(ks, (long) i * keys.size(), list.get(i));
            int start = 0;
            for (int round = 0; start < list.size() && round <= list.size(); round++) {
                int n = list.size() - start;
                count.set(JAVA_INT, 0, n);
                int rc = libbpf_h.bpf_map_delete_batch(state, fd, ks.asSlice((long) start * keys.size()), count, opts);
                int done = count.get(JAVA_INT, 0);
                if (unbatched(rc, done)) {
                    for (int i = start; i < list.size(); i++) if (delete(list.get(i))) deleted++;
                    return deleted;
                }
                deleted += done;
                if (rc == -Errno.ENOENT) {
                    start += done + 1; // skip the absent key
                    continue;
                }
                check(rc, "batch delete from map", name);
                start += done;
            }
        }
        return deleted;
    }

    /**
     * Whether a batch call failed because this kernel has no batch operations for the map's type: ENOTSUPP or
     * EOPNOTSUPP (the count is left as it was passed, nothing was done), or EINVAL with nothing done.
     */
    private static boolean unbatched(int rc, int done) {
        return rc == -Errno.ENOTSUPP || rc == -Errno.EOPNOTSUPP || (rc == -Errno.EINVAL && done == 0);
    }

    /** Pins this map at {@code path} (creating parent directories on the bpffs). */
    public void pin(Path path) {
        createParent(path);
        try (Arena arena = Arena.ofConfined()) {
            check(libbpf_h.bpf_obj_pin(callState(arena), fd, arena.allocateFrom(path.toString())), "pin map " + name + " at", path.toString());
        }
    }

    static void createParent(Path path) {
        try {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("create pin directory " + path.getParent() + ": " + e.getMessage()
                    + " (" + Remedies.BPFFS + ")", e);
        }
    }

    private static <T> MemorySegment encode(Arena arena, MapCodec<T> codec, T value) {
        MemorySegment s = arena.allocate(codec.size());
        codec.write(s, 0, value);
        return s;
    }

    private static MemorySegment batchOpts(Arena arena) {
        MemorySegment opts = arena.allocate(libbpf_h.bpf_map_batch_opts);
        opts.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, libbpf_h.bpf_map_batch_opts.byteSize());
        return opts;
    }

    /** Closes the descriptor if this map owns it; maps of a {@link BpfObject} close with the object. */
    @Override
    public void close() {
        if (owned != null) owned.close();
    }

    @Override
    public String toString() {
        return "map " + name;
    }
}
