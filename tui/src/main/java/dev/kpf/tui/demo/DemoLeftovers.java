package dev.kpf.tui.demo;

import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.diagnostics.NodeCommands;
import dev.kpf.probes.bpf.Cgroup2Mount;
import dev.kpf.probes.bpf.PinDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a demo that was killed (kill -9, a lost ssh session) leaves behind: its pins and links, its cgroup and its
 * network namespace, all named {@code kpf-demo-PID}. Only those of processes that are gone are removed.
 */
public final class DemoLeftovers {
    public static final String PREFIX = "kpf-demo-";

    private DemoLeftovers() {}

    public static boolean privileged() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                    .anyMatch(l -> l.split("\\s+")[2].equals("0")) && Files.isDirectory(Path.of("/sys/fs/bpf")) && Cgroup2Mount.find().isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes the leftovers of demos whose process is gone; returns their names. */
    public static List<String> remove() {
        java.util.ArrayList<String> removed = new java.util.ArrayList<>();
        for (Path pins : dead(Path.of("/sys/fs/bpf"))) {
            try {
                BpfDatapath.cleanup(new PinDirectory(pins));
                removed.add(pins.toString());
            } catch (RuntimeException ignored) {
                // not ours to fight over; the next demo tries again
            }
        }
        for (Path netns : dead(Path.of("/run/netns"))) {
            try {
                new NodeCommands(List.of()).run(List.of("ip", "netns", "del", netns.getFileName().toString()));
                removed.add(netns.toString());
            } catch (IOException ignored) {
                // already gone
            }
        }
        Cgroup2Mount.find().ifPresent(mount -> {
            for (Path cgroup : dead(mount)) {
                try {
                    Files.deleteIfExists(cgroup);
                    removed.add(cgroup.toString());
                } catch (IOException ignored) {
                    // still has processes; left alone
                }
            }
        });
        return removed;
    }

    private static List<Path> dead(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(PREFIX)).filter(p -> {
                try {
                    long pid = Long.parseLong(p.getFileName().toString().substring(PREFIX.length()));
                    return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
                } catch (NumberFormatException e) {
                    return false;
                }
            }).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
