package dev.kpf.probes.probe;

/** Who was probed: the file-system root read, the OS as /etc/os-release names it, and the kernel release. */
public record HostSummary(String root, String os, String osId, String osVersion, String kernel, String libbpf) {}
