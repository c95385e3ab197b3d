package dev.kpf.probes.probe;

import java.util.Set;

/**
 * Kernel answers for verdict tests on fixture trees: everything supported except the named capabilities
 * (program/map type names, helper names, attach hooks, kernel symbols such as tcx_link), which are unsupported, or all unknown.
 */
record FixedKernelFeatures(Set<String> unsupported, String unknownReason) implements KernelFeatures {
    static FixedKernelFeatures allSupported() {
        return new FixedKernelFeatures(Set.of(), null);
    }

    static FixedKernelFeatures without(String... names) {
        return new FixedKernelFeatures(Set.of(names), null);
    }

    static FixedKernelFeatures unknown(String reason) {
        return new FixedKernelFeatures(Set.of(), reason);
    }

    private Support answer(String name) {
        if (unknownReason != null) return Support.unknown(unknownReason);
        return unsupported.contains(name) ? Support.unsupported(name + " unsupported") : Support.SUPPORTED;
    }

    public Support bpfSyscall() { return answer("bpf"); }
    public Support programType(ProgramType type) { return answer(type.cName); }
    public Support mapType(MapType type) { return answer(type.cName); }
    public Support helper(ProgramType type, Helper helper) { return answer(helper.cName); }
    public Support attach(AttachPoint point) { return answer(point.hook); }
    public Support kernelSymbol(KernelSymbol symbol) { return answer(symbol.cName); }
}
