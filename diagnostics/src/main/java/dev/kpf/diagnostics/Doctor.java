package dev.kpf.diagnostics;

import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.probes.probe.HostRoot;
import dev.kpf.probes.probe.ProbeReport;
import dev.kpf.probes.probe.ProbeResult;
import dev.kpf.probes.probe.ProbeRunner;
import dev.kpf.probes.probe.ProbeStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Runs the checks: the node's kernel readiness (the probes, under the same ids), the DaemonSet verification and the
 * Cluster annotation lint. A part that cannot run says "unknown" with the reason and the others still run.
 */
public final class Doctor {
    private Doctor() {}

    /**
     * @param host       the node's file root, or null to skip the node checks
     * @param cluster    the API reader, or null with {@code apiProblem} saying why there is none
     * @param clusterConfig Cluster config documents from a file, or null to read the Cluster from the API
     */
    public static DoctorReport run(HostRoot host, ClusterReader cluster, String apiProblem, List<SourceDocument> clusterConfig,
                                   Set<String> only, Set<String> skip) {
        return run(host, cluster, apiProblem, clusterConfig, null, null, null, only, skip);
    }

    /**
     * As above, plus the agent checks: {@code agent} is the agent's base URL (null skips agent.health); {@code pins}
     * with {@code intent} (the API's translated table, computed on demand) give maps.consistent.
     */
    public static DoctorReport run(HostRoot host, ClusterReader cluster, String apiProblem, List<SourceDocument> clusterConfig,
                                   java.net.URI agent, dev.kpf.probes.bpf.PinDirectory pins,
                                   java.util.function.Supplier<dev.kpf.dataplane.lb.LbTable> intent, Set<String> only, Set<String> skip) {
        List<CheckResult> out = new ArrayList<>();
        if (host != null) {
            ProbeReport probes = ProbeRunner.forHost(host);
            for (ProbeResult r : probes.results()) {
                out.add(new CheckResult(r.id(), "node", r.status(), r.observed(), r.required(), r.remedy(),
                        r.features().stream().map(f -> f.id()).toList()));
            }
            out.add(KernelCaveats.check(host));
            if (host.isLive()) out.add(new LeftoverRules(List.of()).check());
        }
        if (cluster != null) {
            ClusterReader.Read<DaemonSetRow> ds = cluster.daemonSets();
            if (ds.ok()) out.addAll(DaemonSetChecks.evaluate(ds.items()));
            else for (String id : List.of("daemonsets.kube-proxy-absent", "daemonsets.dataplane-ready")) out.add(unknown(id, "cluster", ds.error()));
        } else {
            for (String id : List.of("daemonsets.kube-proxy-absent", "daemonsets.dataplane-ready")) out.add(unknown(id, "cluster", apiProblem));
        }
        if (clusterConfig != null) {
            out.add(ClusterAnnotationLint.check(clusterConfig));
        } else if (cluster != null) {
            ClusterReader.Read<SourceDocument> clusters = cluster.clusters();
            out.add(clusters.ok() ? ClusterAnnotationLint.check(clusters.items()) : unknown("cluster.annotation", "cluster", clusters.error()));
        } else {
            out.add(unknown("cluster.annotation", "cluster", apiProblem + "; or pass --cluster-config FILE"));
        }
        if (agent != null) out.add(AgentHealth.check(agent));
        if (pins != null && intent != null) out.add(mapsConsistent(pins, intent));
        List<CheckResult> selected = out.stream()
                .filter(c -> only.isEmpty() || only.contains(c.id()))
                .filter(c -> !skip.contains(c.id()))
                .toList();
        return new DoctorReport(selected);
    }

    private static CheckResult mapsConsistent(dev.kpf.probes.bpf.PinDirectory pins, java.util.function.Supplier<dev.kpf.dataplane.lb.LbTable> intent) {
        dev.kpf.dataplane.lb.LbTable programmed;
        try {
            programmed = dev.kpf.dataplane.bpf.PinnedTable.read(pins);
        } catch (RuntimeException e) {
            return unknown("maps.consistent", "datapath", e.getMessage());
        }
        try {
            return MapsConsistency.check(intent.get(), programmed);
        } catch (RuntimeException e) {
            return unknown("maps.consistent", "datapath", "no API intent to compare with: " + e.getMessage());
        }
    }

    private static CheckResult unknown(String id, String area, String why) {
        return CheckResult.of(id, area, ProbeStatus.UNKNOWN, "could not check: " + why, "", "");
    }
}
