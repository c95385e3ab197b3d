package dev.kpf.probes.bpf;

import java.nio.file.Path;
import java.util.TreeMap;

/**
 * Run as a separate JVM by {@link BpfLifecycleKernelIT}: opens a pinned {@code u32 -> u64} map, prints its entries
 * as {@code key=value} lines in key order, then adds {@code key 999 -> value 4242} so the parent can see the write.
 */
public final class PinnedMapReader {
    public static void main(String[] args) {
        try (BpfMap<Integer, Long> map = BpfMap.openPinned(Path.of(args[0]), MapCodec.u32(), MapCodec.u64())) {
            new TreeMap<>(map.entries()).forEach((k, v) -> System.out.println(k + "=" + v));
            map.update(999, 4242L);
        }
    }
}
