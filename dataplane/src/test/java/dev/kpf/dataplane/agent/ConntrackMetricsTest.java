package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.bpf.Datapath;
import dev.kpf.dataplane.bpf.SweepReport;
import dev.kpf.dataplane.bpf.SyncReport;
import dev.kpf.dataplane.bpf.TcEvent;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.source.ClusterSource;
import dev.kpf.dataplane.source.SourceStatus;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tc datapath's event counters and the conntrack sweep as the agent exports them. */
class ConntrackMetricsTest {
    /** A datapath that only reports what the tc programs counted and what a sweep did. */
    private static class CountingDatapath implements Datapath {
        final Map<TcEvent, Long> events = new EnumMap<>(TcEvent.class);
        SweepReport next = SweepReport.NONE;

        public SyncReport apply(LbTable desired) { throw new UnsupportedOperationException(); }
        public LbTable readBack() { throw new UnsupportedOperationException(); }
        public boolean simulated() { return false; }
        public String describe() { return "counting"; }
        public void close() {}
        @Override public Map<TcEvent, Long> tcEvents() { return events; }
        @Override public SweepReport sweepConntrack() { return next; }
    }

    private static final ClusterSource NEVER = new ClusterSource() {
        public void start(Consumer<ClusterState> listener) {}
        public SourceStatus status() { throw new UnsupportedOperationException(); }
        public void close() {}
    };

    @Test
    void events_are_counters_by_name_and_each_sweep_adds_what_it_deleted_and_its_cpu() {
        CountingDatapath datapath = new CountingDatapath();
        for (TcEvent e : TcEvent.values()) datapath.events.put(e, 0L);
        datapath.events.put(TcEvent.CONNTRACK_FULL, 3L);
        datapath.events.put(TcEvent.PORT_REUSED, 40L);
        AgentMetrics metrics = new AgentMetrics();
        Agent agent = new Agent(NEVER, new ServiceTranslator("node-a"), datapath, metrics, Clock.systemUTC());
        datapath.next = new SweepReport(1000, 200, 10, 5_000_000, 9_000_000);
        agent.sweepConntrack();
        datapath.next = new SweepReport(800, 100, 0, 4_000_000, 8_000_000);
        agent.sweepConntrack();
        String text = metrics.scrape();
        assertTrue(text.contains("kpf_tc_events_total{event=\"conntrack_full\"} 3.0"), text);
        assertTrue(text.contains("kpf_tc_events_total{event=\"snat_ports_reused\"} 40.0"), text);
        assertTrue(text.contains("kpf_tc_events_total{event=\"fragments_dropped\"} 0.0"), "every event has its series");
        assertTrue(text.contains("kpf_conntrack_swept_entries_total 300.0"), text);
        assertTrue(text.contains("kpf_conntrack_entries 700.0"), "what the last sweep left");
        assertTrue(text.contains("kpf_conntrack_sweep_cpu_seconds_total 0.009"), text);
        assertTrue(agent.lastSweep().deleted() == 100);
    }

    @Test
    void a_sweep_that_fails_is_logged_and_the_agent_goes_on() {
        CountingDatapath datapath = new CountingDatapath() {
            @Override public SweepReport sweepConntrack() { throw new IllegalStateException("the maps went away"); }
        };
        AgentMetrics metrics = new AgentMetrics();
        Agent agent = new Agent(NEVER, new ServiceTranslator("node-a"), datapath, metrics, Clock.systemUTC());
        agent.sweepConntrack();
        assertTrue(agent.lastSweep() == SweepReport.NONE);
        assertTrue(metrics.scrape().contains("kpf_conntrack_swept_entries_total 0.0"));
    }
}
