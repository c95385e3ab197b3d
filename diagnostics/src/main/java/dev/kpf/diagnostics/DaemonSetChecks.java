package dev.kpf.diagnostics;

import dev.kpf.probes.probe.ProbeStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The platform's verification of a kube-proxy-free cluster, on the DaemonSets of all namespaces: kube-proxy must be
 * absent, the dataplane DaemonSet (anetd, or kpf's own) present and fully ready, and every other DaemonSet is
 * reported with its readiness.
 */
public final class DaemonSetChecks {
    private DaemonSetChecks() {}

    static final Set<String> DATAPLANES = Set.of("anetd", "kpf");
    static final String AREA = "cluster";
    static final String KUBE_PROXY = "kube-proxy";

    public static List<CheckResult> evaluate(List<DaemonSetRow> rows) {
        List<CheckResult> out = new ArrayList<>();
        List<DaemonSetRow> proxies = rows.stream().filter(r -> r.name().equals(KUBE_PROXY)).toList();
        if (proxies.isEmpty()) {
            out.add(CheckResult.of("daemonsets.kube-proxy-absent", AREA, ProbeStatus.PASS, "no kube-proxy DaemonSet in " + rows.size()
                    + " DaemonSets", "no kube-proxy DaemonSet", ""));
        } else {
            String where = String.join(", ", proxies.stream().map(r -> r.namespace() + "/" + r.name()).toList());
            out.add(CheckResult.of("daemonsets.kube-proxy-absent", AREA, ProbeStatus.FAIL, "kube-proxy runs: " + where, "no kube-proxy DaemonSet",
                    "the cluster is not kube-proxy-free: enable preview.baremetal.cluster.gke.io/kube-proxy-free: \"enable\" on the "
                            + "Cluster (irreversible) and let the platform remove kube-proxy; two proxies programming the same Services "
                            + "fight over them"));
        }
        List<DaemonSetRow> dataplanes = rows.stream().filter(r -> DATAPLANES.contains(r.name())).toList();
        if (dataplanes.isEmpty()) {
            out.add(CheckResult.of("daemonsets.dataplane-ready", AREA, ProbeStatus.FAIL, "no anetd or kpf DaemonSet",
                    "the dataplane DaemonSet present with desired = ready = available, up to date",
                    "without kube-proxy something must serve Services: deploy kpf (deploy/kpf.yaml) or check anetd (Dataplane V2)"));
        } else {
            List<DaemonSetRow> sick = dataplanes.stream().filter(r -> !r.healthy()).toList();
            String observed = String.join("; ", dataplanes.stream().map(r -> r.namespace() + "/" + r.name() + " " + r.readiness()).toList());
            out.add(sick.isEmpty()
                    ? CheckResult.of("daemonsets.dataplane-ready", AREA, ProbeStatus.PASS, observed, "desired = ready = available, up to date", "")
                    : CheckResult.of("daemonsets.dataplane-ready", AREA, ProbeStatus.FAIL, observed, "desired = ready = available, up to date",
                    "nodes without a ready dataplane pod do not serve Services: kubectl -n " + sick.getFirst().namespace()
                            + " describe daemonset " + sick.getFirst().name() + " and the pods' logs"));
        }
        List<DaemonSetRow> others = rows.stream().filter(r -> !DATAPLANES.contains(r.name()) && !r.name().equals(KUBE_PROXY)).toList();
        List<DaemonSetRow> notReady = others.stream().filter(r -> !r.healthy()).toList();
        out.add(CheckResult.of("daemonsets.others", AREA, notReady.isEmpty() ? ProbeStatus.PASS : ProbeStatus.WARN,
                notReady.isEmpty() ? others.size() + " other DaemonSets, all ready"
                        : String.join("; ", notReady.stream().map(r -> r.namespace() + "/" + r.name() + " " + r.readiness()).toList()),
                "every DaemonSet ready", notReady.isEmpty() ? "" : "not needed for Services, but worth a look: kubectl describe daemonset"));
        return out;
    }
}
