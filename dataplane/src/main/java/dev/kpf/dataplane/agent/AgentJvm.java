package dev.kpf.dataplane.agent;

import java.util.Arrays;
import java.util.List;

/**
 * The JVM options an agent runs with, wherever it starts: the DaemonSet's ConfigMap ({@code KPF_JAVA_OPTS}),
 * {@code bin/kpf agent} and {@code kpf bench memory} use exactly these ({@code DeployManifestTest} keeps the first
 * two equal to {@link #OPTIONS}; the bench reads it). Each measured with {@code kpf bench memory} at 10,000 Services
 * x 10 endpoints from the API server, where the process settled at 300 MB resident with only the last three:
 * <ul>
 *   <li>{@code -Xms16m -Xmn12m}: the heap starts small and its young generation stays small. Without them the JVM
 *   commits a third of {@code -Xmx} to the young generation and the allocations of start-up touch all of it.</li>
 *   <li>{@code -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:-ShrinkHeapInSteps}: after a full collection the
 *   heap keeps at most a fifth free, and shrinks at once. The agent runs one full collection after its first sync
 *   ({@code Agent}); the first sync's peak is returned then, not held for the life of the pod.</li>
 *   <li>{@code -XX:+UseCompactObjectHeaders} (JEP 519): 8-byte object headers; the live set at 10,000 x 10 goes
 *   from 77 to 69 MB.</li>
 *   <li>{@code -XX:+UseStringDeduplication}: names that arrive more than once (in the informers' metadata and in
 *   the model) share their bytes.</li>
 *   <li>{@code -XX:TrimNativeHeapInterval=5000}: freed C memory (the JIT's arenas, start-up's buffers) goes back to
 *   the system every 5 s instead of staying in glibc's arenas.</li>
 *   <li>{@code -Xmx192m -XX:ReservedCodeCacheSize=32m -Xss512k}: the bounds: the heap holds 10,000 x 10 from the API
 *   server with room for its first sync.</li>
 * </ul>
 * The serial collector ({@code -XX:+UseSerialGC}) comes from {@code bin/kpf}, as for every kpf command.
 */
public final class AgentJvm {
    private AgentJvm() {}

    public static final String OPTIONS = "-Xms16m -Xmn12m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:-ShrinkHeapInSteps"
            + " -XX:+UseCompactObjectHeaders -XX:+UseStringDeduplication -XX:TrimNativeHeapInterval=5000"
            + " -Xmx192m -XX:ReservedCodeCacheSize=32m -Xss512k";

    /** {@link #OPTIONS} as separate arguments. */
    public static List<String> options() {
        return Arrays.asList(OPTIONS.split(" "));
    }
}
