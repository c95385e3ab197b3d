package dev.kpf.diagnostics;

import dev.kpf.dataplane.bpf.PinnedTable;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.diagnostics.node.NodeFacts;
import dev.kpf.diagnostics.preflight.PreflightNodes;
import dev.kpf.diagnostics.preflight.PreflightRules;
import dev.kpf.diagnostics.preflight.PreflightServices;
import dev.kpf.probes.probe.ProbeReport;
import dev.kpf.probes.probe.ProbeResult;
import dev.kpf.probes.probe.ProbeRunner;
import dev.kpf.probes.probe.ProbeStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the checks: the node (facts, kernel readiness under the probes' ids, kernel caveats, kube-proxy coexistence
 * and leftovers), the cluster (DaemonSet verification, the Cluster annotation), the local agent and its maps, and on
 * request the preflight. A part that cannot run says "unknown" with the reason and the others still run.
 */
public final class Doctor {
    private Doctor() {}

    /** Every check id the doctor can report (the probes' and its own): what --only and --skip accept. */
    public static java.util.SortedSet<String> checkIds() {
        java.util.SortedSet<String> ids = new java.util.TreeSet<>();
        ProbeRunner.run(new dev.kpf.probes.probe.HostRoot(java.nio.file.Path.of("/nonexistent/kpf-check-ids")),
                dev.kpf.probes.probe.KernelFeatures.notProbed("listing the check ids")).results().forEach(r -> ids.add(r.id()));
        ids.addAll(List.of("node.facts", KernelCaveats.ID, ProxyCoexistence.ID, LeftoverRules.ID, "daemonsets.kube-proxy-absent",
                "daemonsets.dataplane-ready", "daemonsets.others", "cluster.annotation", "agent.health", "maps.consistent", ConntrackHealth.ID,
                DatapathSelfTest.ID, PreflightNodes.ID, PreflightRules.ID, PreflightServices.ID));
        return ids;
    }

    public static DoctorReport run(DoctorInputs original) {
        DoctorInputs in = original.intent() == null ? original : original.withAgent(original.agent(), original.pins(), once(original.intent()));
        List<CheckResult> out = new ArrayList<>();
        NodeFacts facts = null;
        // one DaemonSet list serves the coexistence check and the DaemonSet verification
        ClusterReader.Read<DaemonSetRow> daemonSets = in.cluster() == null ? null : in.cluster().daemonSets();
        if (in.host() != null) {
            if (in.facts() != null && in.selected("node.facts")) {
                try {
                    facts = in.facts().get();
                    out.add(CheckResult.of("node.facts", "node", ProbeStatus.PASS, facts.summary(), "", ""));
                } catch (RuntimeException e) {
                    out.add(unknown("node.facts", "node", "reading node facts: " + e.getMessage()));
                }
            }
            ProbeReport probes = ProbeRunner.forHost(in.host());
            for (ProbeResult r : probes.results()) {
                out.add(new CheckResult(r.id(), "node", r.status(), r.observed(), r.required(), r.remedy(),
                        r.features().stream().map(f -> f.id()).toList()));
            }
            out.add(KernelCaveats.check(in.host()));
            if (in.host().isLive()) {
                if (in.selected(ProxyCoexistence.ID)) {
                    out.add(ProxyCoexistence.check(new ProxyCoexistence.Sources(in.host(), new NodeCommands(in.commands()), Duration.ofSeconds(1),
                            in.cluster(), daemonSets, in.nodeName(), in.agent(), in.pins() == null ? null : in.pins().root())));
                }
                if (in.selected(LeftoverRules.ID)) out.add(new LeftoverRules(in.commands()).check());
            }
        }
        List<String> dsIds = List.of("daemonsets.kube-proxy-absent", "daemonsets.dataplane-ready");
        if (in.cluster() != null) {
            ClusterReader.Read<DaemonSetRow> ds = daemonSets;
            if (ds.ok()) out.addAll(DaemonSetChecks.evaluate(ds.items()));
            else for (String id : dsIds) out.add(unknown(id, "cluster", ds.error()));
        } else {
            for (String id : dsIds) out.add(unknown(id, "cluster", in.apiProblem()));
        }
        if (in.clusterConfig() != null) {
            out.add(ClusterAnnotationLint.check(in.clusterConfig()));
        } else if (in.cluster() != null) {
            ClusterReader.Read<SourceDocument> clusters = in.cluster().clusters();
            out.add(clusters.ok() ? ClusterAnnotationLint.check(clusters.items()) : unknown("cluster.annotation", "cluster", clusters.error()));
        } else {
            out.add(unknown("cluster.annotation", "cluster", in.apiProblem() + "; or pass --cluster-config FILE"));
        }
        if (in.agent() != null && in.selected("agent.health")) out.add(AgentHealth.check(in.agent()));
        if (in.pins() != null && in.intent() != null && in.selected("maps.consistent")) out.add(mapsConsistent(in));
        if (in.pins() != null && in.selected(ConntrackHealth.ID)) conntrack(in).ifPresent(out::add);
        // last: it adds a test frontend to the live maps for a moment
        if (in.pins() != null && in.host() != null && in.host().isLive() && in.selected(DatapathSelfTest.ID)) out.add(DatapathSelfTest.run(in.pins()));
        if (in.preflight()) out.addAll(preflight(in));
        List<CheckResult> selected = out.stream().filter(c -> in.selected(c.id())).toList();
        return new DoctorReport(selected, facts);
    }

    /** Only where the agent serves traffic from outside (the tc datapath's maps are pinned). */
    private static java.util.Optional<CheckResult> conntrack(DoctorInputs in) {
        try {
            return dev.kpf.dataplane.bpf.PinnedConntrack.read(in.pins()).map(ConntrackHealth::check);
        } catch (RuntimeException e) {
            return java.util.Optional.of(unknown(ConntrackHealth.ID, "datapath", "reading the conntrack maps under " + in.pins().root() + ": " + e.getMessage()));
        }
    }

    private static CheckResult mapsConsistent(DoctorInputs in) {
        LbTable programmed;
        try {
            programmed = PinnedTable.read(in.pins());
        } catch (RuntimeException e) {
            return unknown("maps.consistent", "datapath", e.getMessage());
        }
        try {
            return MapsConsistency.check(in.intent().get(), programmed);
        } catch (RuntimeException e) {
            return unknown("maps.consistent", "datapath", "no API intent to compare with: " + e.getMessage());
        }
    }

    /** The checks for a cluster that still runs kube-proxy: its nodes, its Services, and this node's kube-proxy rules. */
    private static List<CheckResult> preflight(DoctorInputs in) {
        List<CheckResult> out = new ArrayList<>();
        if (in.selected(PreflightNodes.ID)) {
            if (in.cluster() == null) out.add(unknown(PreflightNodes.ID, "preflight", in.apiProblem()));
            else {
                ClusterReader.Read<com.google.gson.JsonObject> nodes = in.cluster().nodes();
                out.add(nodes.ok() ? PreflightNodes.check(nodes.items()) : unknown(PreflightNodes.ID, "preflight", nodes.error()));
            }
        }
        LbTable intent = null;
        String noIntent = null;
        if (in.intent() == null) noIntent = "no API intent (" + in.apiProblem() + ")";
        else {
            try {
                intent = in.intent().get();
            } catch (RuntimeException e) {
                noIntent = "no API intent to compare with: " + e.getMessage();
            }
        }
        if (in.selected(PreflightServices.ID)) out.add(intent != null ? PreflightServices.check(intent) : unknown(PreflightServices.ID, "preflight", noIntent));
        if (in.selected(PreflightRules.ID)) {
            if (in.host() == null || !in.host().isLive()) out.add(unknown(PreflightRules.ID, "preflight", "kube-proxy's rules are read on the live node"));
            else if (intent == null) out.add(unknown(PreflightRules.ID, "preflight", noIntent));
            else {
                try {
                    out.add(PreflightRules.check(PreflightRules.readNode(new NodeCommands(in.commands())), intent));
                } catch (java.io.IOException e) {
                    out.add(unknown(PreflightRules.ID, "preflight", "reading kube-proxy's rules: " + e.getMessage() + " (run as root)"));
                }
            }
        }
        return out;
    }

    /** A supplier that computes once (the API intent serves several checks). */
    private static <T> java.util.function.Supplier<T> once(java.util.function.Supplier<T> s) {
        return new java.util.function.Supplier<>() {
            private T value;
            private RuntimeException failure;

            @Override
            public synchronized T get() {
                if (value == null && failure == null) {
                    try {
                        value = s.get();
                    } catch (RuntimeException e) {
                        failure = e;
                    }
                }
                if (failure != null) throw failure;
                return value;
            }
        };
    }

    public static CheckResult unknown(String id, String area, String why) {
        return CheckResult.of(id, area, ProbeStatus.UNKNOWN, "could not check: " + why, "", "");
    }
}
