package dev.kpf.probes.probe;

/** Run in a child process by {@link LiveProbeKernelIT}: probes the live host and prints verdict and reasons. */
public final class ProbeMain {
    public static void main(String[] args) {
        ProbeReport report = ProbeRunner.forHost(HostRoot.live());
        System.out.println("verdict=" + report.verdict());
        report.reasons().forEach(r -> System.out.println("reason=" + r));
        System.out.println("caps=" + report.result("caps").status());
    }
}
