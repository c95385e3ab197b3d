package dev.kpf.probes.probe;

import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.Cgroup;
import dev.kpf.probes.bpf.Cgroup2Mount;
import dev.kpf.probes.bpf.Errno;
import dev.kpf.probes.bpf.KernelBtf;
import dev.kpf.probes.bpf.KernelSupport;
import dev.kpf.probes.bpf.TemporaryCgroup;

import java.util.EnumMap;
import java.util.Map;

/**
 * Asks the running kernel through libbpf. Attach points are tested for real: a two-instruction program per
 * attach point is loaded and attached to a throwaway cgroup, which is removed again. Answers are computed once per instance.
 */
public final class LiveKernelFeatures implements KernelFeatures {
    private final String privilegeProblem;
    private Map<AttachPoint, Support> attach;

    /** @param privilegeProblem why this process cannot use bpf(), or null when it should be able to */
    public LiveKernelFeatures(String privilegeProblem) {
        this.privilegeProblem = privilegeProblem;
    }

    /**
     * Starts the two slow answers on a thread of their own, so they overlap with the other probes: the kernel's BTF
     * (parsed for its symbols, about 100 ms in a new process) and the attach points (a program loaded and linked per
     * hook, about 55 ms); {@code bpftool feature probe} spends its time in the kernel, a new JVM much of it in user
     * space, and a probe has two cores to itself. The caller joins the thread (the attach probes' cgroup is removed
     * by then); every answer is still computed once, whichever thread asks first.
     */
    public Thread startSlowAnswers() {
        return Thread.ofPlatform().name("kpf-probe-slow").start(() -> {
            kernelSymbol(KernelSymbol.values()[0]);
            if (privilegeProblem == null) attach(AttachPoint.values()[0]);
        });
    }

    @Override
    public Support bpfSyscall() {
        return answer(KernelSupport.bpfSyscall(), "bpf() failed");
    }

    /**
     * Without the capabilities libbpf's probes cannot be trusted either way: a forbidden load reads as
     * "unsupported" for types and as "supported" for helpers. So an unprivileged run answers "unknown".
     */
    private Support notPermitted() {
        return Support.unknown("not permitted: " + privilegeProblem);
    }

    @Override
    public Support programType(ProgramType type) {
        if (privilegeProblem != null) return notPermitted();
        return answer(KernelSupport.programType(type.id), type.cName + " programs are not accepted");
    }

    @Override
    public Support mapType(MapType type) {
        if (privilegeProblem != null) return notPermitted();
        return answer(KernelSupport.mapType(type.id), type.cName + " maps are not accepted");
    }

    @Override
    public Support helper(ProgramType type, Helper helper) {
        if (privilegeProblem != null) return notPermitted();
        return answer(KernelSupport.helper(type.id, helper.id), "bpf_" + helper.cName + " is not available to " + type.cName + " programs");
    }

    private Support answer(int rc, String unsupported) {
        if (rc == 1) return Support.SUPPORTED;
        if (rc == 0) return Support.unsupported(unsupported);
        if (rc == -Errno.EPERM || rc == -Errno.EACCES) {
            return Support.unknown("not permitted: " + (privilegeProblem != null ? privilegeProblem : KernelSupport.describe(rc)));
        }
        if (rc == -Errno.ENOSYS) return Support.unsupported("the bpf() syscall is not available (ENOSYS)");
        return Support.unknown("probe failed: " + KernelSupport.describe(rc));
    }

    @Override
    public synchronized Support attach(AttachPoint point) {
        if (privilegeProblem != null) return notPermitted();
        if (attach == null) attach = probeAttachPoints();
        return attach.get(point);
    }

    /** Read from the kernel's BTF (world-readable: no privileges needed), once for all symbols. */
    @Override
    public Support kernelSymbol(KernelSymbol symbol) {
        return KernelSymbols.READ.get(symbol);
    }

    /** The running kernel's BTF is parsed once per process (about 5 MB; it cannot change while the process runs). */
    private static final class KernelSymbols {
        static final Map<KernelSymbol, Support> READ = java.util.Collections.unmodifiableMap(lookUpSymbols());
    }

    /**
     * Whether the running kernel has tcx links (6.6, or a kernel with them backported), from its BTF; empty when the
     * BTF cannot be read. How the agent picks tcx or clsact by itself.
     */
    public static java.util.Optional<Boolean> tcxLinks() {
        return switch (KernelSymbols.READ.get(KernelSymbol.TCX_LINK)) {
            case Support.Supported x -> java.util.Optional.of(true);
            case Support.Unsupported u -> java.util.Optional.of(false);
            case Support.Unknown u -> java.util.Optional.empty();
        };
    }

    /**
     * Whether the tc programs should attach through tcx links: the kernel's BTF answers (backports count), else its
     * release (6.6), else (neither readable) yes: the attachment then reports its own error.
     */
    public static boolean tcxLinksExpected(java.util.Optional<KernelRelease> release) {
        return tcxLinks().orElseGet(() -> release.map(k -> k.atLeast(6, 6, 0)).orElse(true));
    }

    private static Map<KernelSymbol, Support> lookUpSymbols() {
        Map<KernelSymbol, Support> out = new EnumMap<>(KernelSymbol.class);
        try (KernelBtf btf = KernelBtf.load()) {
            for (KernelSymbol s : KernelSymbol.values()) {
                out.put(s, btf.has(s.btfName, s.kind) ? Support.SUPPORTED : Support.unsupported("the kernel has no " + s.cName));
            }
        } catch (BpfException e) {
            for (KernelSymbol s : KernelSymbol.values()) out.put(s, Support.unknown("kernel BTF unreadable: " + e.errnoName()));
        }
        return out;
    }

    private Map<AttachPoint, Support> probeAttachPoints() {
        Map<AttachPoint, Support> out = new EnumMap<>(AttachPoint.class);
        if (Cgroup2Mount.find().isEmpty()) {
            for (AttachPoint p : AttachPoint.values()) out.put(p, Support.unknown("no cgroup2 mount to attach to"));
            return out;
        }
        String name = "kpf-probe-" + ProcessHandle.current().pid();
        try (TemporaryCgroup cgroup = TemporaryCgroup.create(name); Cgroup target = Cgroup.open(cgroup.path())) {
            for (AttachPoint p : AttachPoint.values()) out.put(p, attachOne(p, target));
        } catch (BpfException | java.io.UncheckedIOException e) {
            for (AttachPoint p : AttachPoint.values()) {
                out.putIfAbsent(p, Support.unknown("could not create a probe cgroup: " + e.getMessage()));
            }
        }
        return out;
    }

    /**
     * Loads this attach point's smallest program and attaches it through a link, as the agent's programs are attached
     * (one program per attach point, so one unsupported hook cannot hide the others). The reason names the step the
     * kernel refused: the load (a hook it does not have) or the link (cgroup BPF links came with 5.7).
     */
    private Support attachOne(AttachPoint point, Cgroup target) {
        KernelSupport.HookProbe r = KernelSupport.cgroupSockAddrAttach(point.attachType, target);
        if (r.attached()) return Support.SUPPORTED;
        String at = r.failedStep() + " " + KernelSupport.describe(-r.errno());
        return switch (r.errno()) {
            case Errno.EPERM, Errno.EACCES -> Support.unknown("not permitted: " + (privilegeProblem != null ? privilegeProblem : at));
            // an attach type the kernel does not know (EINVAL), attributes it cannot read (E2BIG: before
            // expected_attach_type), or no cgroup links (EINVAL from bpf_link_create before 5.7)
            case Errno.EINVAL, Errno.E2BIG, Errno.EOPNOTSUPP, Errno.ENOTSUPP -> Support.unsupported(point.section() + " rejected by " + at
                    + (r.failedStep().equals(KernelSupport.HookProbe.LINK) ? " (kpf attaches through cgroup BPF links, kernel 5.7)" : ""));
            default -> Support.unknown(point.section() + ": " + at);
        };
    }
}
