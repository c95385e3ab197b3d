package dev.kpf.probes.bpf;

/** The advice attached to common kernel errors where they are raised. */
final class Remedies {
    private Remedies() {}

    static final String PRIVILEGES = "run as root, or grant CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN and CAP_PERFMON "
            + "(the kpf DaemonSet does); on kernels before 5.11 also raise the memlock limit (ulimit -l unlimited)";
    static final String BPFFS = "mount the BPF filesystem: mount -t bpf bpf /sys/fs/bpf";

    static String forError(String operation, int errno) {
        return switch (Math.abs(errno)) {
            case Errno.EPERM, Errno.EACCES -> PRIVILEGES;
            case Errno.ENOENT -> operation.contains("pin") || operation.contains("open pinned")
                    ? "check the pin path exists and bpffs is mounted (" + BPFFS + ")" : "";
            case Errno.E2BIG, Errno.ENOSPC -> operation.contains("update")
                    ? "the map is full: raise its max_entries or remove entries" : "";
            case Errno.EEXIST -> operation.contains("pin")
                    ? "a pin already exists at that path: reuse it or remove it (kpf agent --cleanup)" : "";
            case Errno.EOPNOTSUPP, Errno.ENOTSUPP, Errno.ENOSYS, Errno.EINVAL ->
                    operation.contains("attach") || operation.contains("load")
                    ? "the kernel may not support this program or attach type: run kpf probe" : "";
            case Errno.EBADF -> operation.startsWith("attach")
                    ? "the target is not a directory of the cgroup v2 hierarchy (a cgroup v1 controller?): pass the cgroup2 mount (see kpf probe, cgroup.v2)" : "";
            case Errno.ENOMEM -> "the kernel could not allocate memory for BPF: check memlock (ulimit -l) and memory cgroup limits";
            default -> "";
        };
    }
}
