package dev.kpf.tui.model;

import dev.kpf.dataplane.bpf.PinnedTable;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.diagnostics.ClusterReader;
import dev.kpf.diagnostics.DaemonSetRow;
import dev.kpf.diagnostics.DoctorReport;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where the model reads from. Each supplier may throw; the model shows the message instead of the data.
 *
 * @param services   the maps read back with their counters (the pins, or the in-process datapath)
 * @param intent     the API's translated table for this node, or null when there is no API to compare with
 * @param intentEvery read the intent every this many refreshes (1 when it is cheap, as in the demo)
 * @param agent      the agent's state in a few words
 * @param liveNode   whether this process runs on the node it shows (node facts and kernel probes)
 * @param daemonSets the DaemonSet list, or null without an API
 * @param doctor     runs every doctor check
 * @param bundle     writes a support bundle for a report and says where (or why not)
 * @param tracer     starts a tracer on the datapath shown (true: with events for addresses that are no Service),
 *                   or null when there is none
 * @param noTracer   why there is no tracer (when {@code tracer} is null)
 */
public record TuiSources(String node, String source, boolean simulated, String simulatedWhy,
                         Supplier<PinnedTable.Reading> services, Supplier<LbTable> intent, int intentEvery, Supplier<String> agent,
                         boolean liveNode, Supplier<ClusterReader.Read<DaemonSetRow>> daemonSets,
                         Supplier<DoctorReport> doctor, Function<DoctorReport, String> bundle,
                         Function<Boolean, dev.kpf.dataplane.trace.Tracer> tracer, String noTracer) {}
