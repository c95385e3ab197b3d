package dev.kpf.dataplane.agent;

import java.util.Arrays;
import java.util.List;

/**
 * The JVM options an agent runs with, wherever it starts: the DaemonSet's ConfigMap ({@code KPF_JAVA_OPTS}),
 * {@code bin/kpf agent} and {@code kpf bench memory} use exactly these ({@code DeployManifestTest} keeps the first
 * two equal to {@link #OPTIONS}; the bench reads it). Each was measured by hand with NMT and a class histogram on an
 * agent at 10,000 Services x 10 endpoints from the API server, resident memory read once settled; with only the last
 * three it settled at 300 MB:
 * <ul>
 *   <li>{@code -Xms16m -Xmn8m -XX:SurvivorRatio=2}: the heap starts small and its young generation stays small:
 *   4 MB of eden and two survivor spaces of 2 MB. Without them the JVM commits a third of {@code -Xmx} to the young
 *   generation, and start-up's allocations touch all of it. With the default ratio (survivors a tenth each) a small
 *   young generation overflowed its survivors during bursts of changes and promoted them: 6 MB settled at 174 MB but
 *   took +25/-13/+32 MB over the bench's three rounds of 2,000 changes, 8 MB 171 MB and +19/-9/+24, so the young
 *   generation was 12 MB (163, 163, 168 and 163 MB at rest over four runs, the rounds +2 to +4 MB each). Survivors of
 *   2 MB keep a burst young: 8 MB with them settled at 159, 165, 160 and 158 MB ({@code kpf bench memory}, several
 *   builds of one day), the rounds +0 to +5 MB; 6 MB with survivors of 2 MB (ratio 1) 158 MB but ready 8.9 s against
 *   6.2-7.3 s, the collections of a 2 MB eden slowing the first sync.</li>
 *   <li>{@code -XX:MinHeapFreeRatio=2 -XX:MaxHeapFreeRatio=5 -XX:-ShrinkHeapInSteps}: after a full collection the
 *   heap keeps at most a twentieth free and shrinks at once (10 MB less with 5 and 10 than with 10 and 20; with 2 and
 *   5 another 6 MB: {@code kpf bench memory}, two runs, 163 and 163 MB at rest against 169 and 170 with 5 and 10, the
 *   rounds of changes 164-171 MB). The serial collector runs full collections only when it must, and expands the
 *   old generation to take promoted objects before it does, so the agent runs one after its first sync and later
 *   ones when its heap grew well past what is live ({@link HeapReturn}).</li>
 *   <li>{@code -XX:MarkSweepDeadRatio=0}: a full collection compacts everything. By default it leaves up to a
 *   twentieth of the old generation's dead objects in place as filler, and the collection after the first sync left
 *   3.9 MB of them (9,514 filler arrays in {@code -Xlog:gc+classhisto*=trace}, once the lists were read without
 *   trees and the old generation held fewer dead pages), which stayed committed until the next full collection:
 *   {@code kpf bench memory}, two runs each: 149 and 149 MB at rest, 157 and 158 MB after the rounds, against 153,
 *   157 and 160 MB at rest and 160 and 166 MB after the rounds without it (by hand, alternating: 148.5 against
 *   152-153 MB). One run with an earlier build read 180 MB, when other things dominated.</li>
 *   <li>{@code -XX:TrimNativeHeapInterval=1000}: freed C memory (the JIT's arenas, start-up's buffers) goes back to
 *   the system every second instead of staying in glibc's arenas (12 MB against none; every 5 s, the bench read
 *   169-181 MB at rest over six runs of one build, every second 167-170 MB over four: a reading taken before the
 *   next trim counted what the first sync's compilations had freed).</li>
 *   <li>{@code -XX:+ExitOnOutOfMemoryError}: an agent that runs out of heap exits (code 3) and its DaemonSet restarts
 *   it; {@link HeapWatch} has logged what to raise by then. Without it an agent whose main thread died of an
 *   {@code OutOfMemoryError} stayed up, never ready ({@code KpfLauncherIT}; at 30,000 x 10 from the API server with
 *   {@code -Xmx192m}, {@code kpf bench memory} waited 120 s for it).</li>
 *   <li>{@code -Xmx192m -XX:ReservedCodeCacheSize=32m -Xss512k}: the bounds: the heap holds 10,000 x 10 from the API
 *   server with room for its first sync, and 20,000 x 10 with pod names ({@code kpf bench memory --services 20000
 *   --source kube}: 202 MB resident, ready in 12.1 s, no {@link HeapWatch} warning; 218 MB before entries kept their
 *   backends as arrays, 287 MB and two warnings, live 178 of 180 MB, before endpoint addresses were kept compact and
 *   the young generation was 8 MB).</li>
 * </ul>
 * Tried and left out: {@code -XX:+UseCompactObjectHeaders} (JEP 519: 8-byte headers, a live set of 69 instead of
 * 78 MB, 8 MB less resident), because of JDK-8380060: with it, C2-compiled {@code String.getBytes()} can return
 * corrupted bytes on JDK 25, and the fix was reported not backported (corretto-25 issue 73, still open when looked up on 2026-12-03; the JDK here is 25.0.3; palantir/sls-packaging
 * turned the flag off for it); silent corruption of map names or JSON is not worth 8 MB. Also
 * {@code -XX:+UseStringDeduplication} (its table cost 12 MB more than it saved once names were interned); one malloc
 * arena instead of two (1 MB); C1 only (by hand, two runs: 7 MB less,
 * but a full sync twice as slow; measured again with the 8 MB young generation, alternating, two runs each: 159 and
 * 159 against 160 and 158 MB, no gain); C2 only ({@code -XX:-TieredCompilation}, by hand with a 6 MB young generation: 186
 * against 192 MB, 8 MB less code, but ready in 8.0-9.8 against 6.9 s, close to the 10 s target);
 * {@code -XX:CompileThresholdScaling=4} (2 MB less, by hand); {@code -XX:ArchiveRelocationMode=0} (diagnostic: maps the
 * JDK's class archive at its preferred address instead of relocating it, which dirtied 10.8 of its 13.8 MB; no gain
 * in {@code kpf bench memory}, alternating: 193 and 190 against 193 and 194 MB, and it gives up the archive's randomized
 * address, JDK-8323556); an AOT cache trained on the agent itself ({@code -XX:AOTCacheOutput} from an agent at 10,000 x 10,
 * then {@code -XX:AOTCache}; by hand, two runs each: ready about 1 s sooner and metaspace 21 MB smaller, but the mapped
 * cache took as much: 205 and 207 against 199 and 198 MB); {@code -XX:ReservedCodeCacheSize=20m} (by hand: no gain);
 * {@code -Xshare:off} (the JDK's classes parsed into metaspace instead of mapped from its archive; {@code kpf bench
 * memory --changes 0}, three runs each alternating: 182, 185 and 187 against 186, 184 and 181 MB: no gain).
 * The serial collector ({@code -XX:+UseSerialGC}) comes from {@code bin/kpf}, as for every kpf command.
 */
public final class AgentJvm {
    private AgentJvm() {}

    public static final String OPTIONS = "-Xms16m -Xmn8m -XX:SurvivorRatio=2 -XX:MinHeapFreeRatio=2 -XX:MaxHeapFreeRatio=5 -XX:-ShrinkHeapInSteps"
            + " -XX:MarkSweepDeadRatio=0 -XX:TrimNativeHeapInterval=1000 -XX:+ExitOnOutOfMemoryError"
            + " -Xmx192m -XX:ReservedCodeCacheSize=32m -Xss512k";

    /** {@link #OPTIONS} as separate arguments. */
    public static List<String> options() {
        return Arrays.asList(OPTIONS.split(" "));
    }
}
