package dev.kpf.diagnostics.preflight;

import com.google.gson.JsonObject;
import dev.kpf.diagnostics.CheckResult;
import dev.kpf.probes.probe.KernelRelease;
import dev.kpf.probes.probe.ProbeStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code preflight.nodes}: every node's OS and kernel as its kubelet reports them (status.nodeInfo) against the
 * platform's rule: Ubuntu with kernel 5.7.0 or later, or RHEL 8 or 9 (whose kernels carry backported BPF features,
 * so there `kpf probe` on the node decides). Other systems are not supported by the platform.
 */
public final class PreflightNodes {
    public static final String ID = "preflight.nodes";
    private static final KernelRelease MINIMUM = KernelRelease.of(5, 7, 0);
    private static final Pattern RHEL = Pattern.compile("Red Hat Enterprise Linux(?: Server)? (\\d+)");

    private PreflightNodes() {}

    enum Verdict { OK, PROBES_DECIDE, UNSUPPORTED, FAILS }

    record Judged(String node, String osImage, String kernel, Verdict verdict) {
        String line() {
            return node + " (" + osImage + ", kernel " + kernel + ")";
        }
    }

    static Judged judge(String node, String osImage, String kernel) {
        Optional<KernelRelease> release = KernelRelease.parse(kernel);
        Matcher rhel = RHEL.matcher(osImage);
        Verdict v;
        if (osImage.startsWith("Ubuntu")) v = release.isPresent() && release.get().compareTo(MINIMUM) >= 0 ? Verdict.OK : Verdict.FAILS;
        else if (rhel.find()) v = rhel.group(1).equals("8") || rhel.group(1).equals("9") ? Verdict.PROBES_DECIDE : Verdict.FAILS;
        else v = Verdict.UNSUPPORTED;
        return new Judged(node, osImage, kernel, v);
    }

    public static CheckResult check(List<JsonObject> nodes) {
        List<Judged> judged = new ArrayList<>();
        for (JsonObject n : nodes) {
            JsonObject info = n.has("status") && n.getAsJsonObject("status").has("nodeInfo") ? n.getAsJsonObject("status").getAsJsonObject("nodeInfo") : new JsonObject();
            judged.add(judge(n.getAsJsonObject("metadata").get("name").getAsString(), text(info, "osImage"), text(info, "kernelVersion")));
        }
        String expected = "every node runs Ubuntu with kernel >= 5.7.0, or RHEL 8/9";
        List<String> fails = judged.stream().filter(j -> j.verdict() == Verdict.FAILS).map(Judged::line).toList();
        List<String> unsupported = judged.stream().filter(j -> j.verdict() == Verdict.UNSUPPORTED).map(Judged::line).toList();
        long rhel = judged.stream().filter(j -> j.verdict() == Verdict.PROBES_DECIDE).count();
        String rhelNote = rhel > 0 ? "; " + rhel + " RHEL nodes: the feature probes decide (run `kpf probe` on each)" : "";
        if (!fails.isEmpty()) {
            return CheckResult.of(ID, "preflight", ProbeStatus.FAIL, fails.size() + " of " + judged.size() + " nodes cannot run kube-proxy-free: "
                    + String.join(", ", fails) + rhelNote, expected,
                    "upgrade these nodes (Ubuntu: a kernel >= 5.7.0, e.g. Ubuntu 22.04's 5.15; RHEL: 8 or 9) before enabling kube-proxy-free mode; the switch cannot be undone");
        }
        if (!unsupported.isEmpty()) {
            return CheckResult.of(ID, "preflight", ProbeStatus.WARN, unsupported.size() + " of " + judged.size() + " nodes run an OS the platform does not support: "
                    + String.join(", ", unsupported) + rhelNote, expected, "kube-proxy-free clusters are supported on RHEL and Ubuntu; move these nodes first");
        }
        return CheckResult.of(ID, "preflight", ProbeStatus.PASS, judged.size() + " nodes meet the OS and kernel rule" + rhelNote, expected, "");
    }

    private static String text(JsonObject o, String key) {
        return o.has(key) ? o.get(key).getAsString() : "";
    }
}
