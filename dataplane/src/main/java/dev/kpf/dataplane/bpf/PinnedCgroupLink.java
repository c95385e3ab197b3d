package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.BpfLink;
import dev.kpf.probes.bpf.Cgroup2Mount;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the socket hooks' links an earlier agent pinned serve the cgroup this agent was given, checked before any
 * of them is taken over ({@link BpfDatapath#adoptPinned}). Adopting a link keeps the hook where it is attached, so
 * without this check an agent restarted with another {@code --cgroup} went on serving the old cgroup while reporting
 * ready, and one whose cgroup had been removed failed on the severed link ({@code ENOLINK}) with a remedy that did
 * not fit.
 */
final class PinnedCgroupLink {
    private PinnedCgroupLink() {}

    /**
     * Checks every pin in {@code pins} that exists, before anything is changed: a link attached to {@code cgroup} stays
     * for the caller to adopt; a severed one (its cgroup was removed and released: the kernel reports cgroup id 0) is
     * unpinned, nothing ran through it, and the caller attaches anew; a link attached to any other cgroup is refused,
     * all pins left as they are, so that cgroup stays served until the user chooses. That includes a cgroup this
     * agent cannot find (removed but still held by its sockets, or outside the cgroup2 mount it sees): only the
     * kernel's id 0 says a cgroup is gone. A kernel that cannot say where a link is attached (before 5.8) has its
     * links adopted as they are.
     */
    static void check(List<Path> pins, Path cgroup) {
        if (!Files.isDirectory(cgroup)) return; // opening it says what is wrong, with the remedy
        long wanted = Cgroup2Mount.idOf(cgroup);
        List<Path> severed = new ArrayList<>();
        for (Path pin : pins) {
            if (!Files.exists(pin)) continue;
            long attached;
            try (BpfLink link = BpfLink.openPinned(pin)) {
                attached = link.cgroupId();
            } catch (BpfException cannotTell) {
                continue;
            }
            if (attached == wanted) continue;
            if (attached == 0) {
                severed.add(pin);
                continue;
            }
            String cleanup = "run `kpf agent --cleanup` (connections through kpf are interrupted until the agent starts again), then start it with --cgroup " + cgroup;
            String other = Cgroup2Mount.findById(attached).map(Path::toString).orElse(null);
            throw new DatapathException(other != null
                    ? "the socket hooks pinned under " + pin.getParent() + " serve cgroup " + other + ", not " + cgroup + " (--cgroup); "
                            + other + " stays served. Start the agent with --cgroup " + other + ", or to move it " + cleanup
                    : "the socket hooks pinned under " + pin.getParent() + " serve cgroup id " + attached + ", not " + cgroup + " (--cgroup),"
                            + " and this agent cannot find that cgroup (removed but still held by open sockets, or outside the cgroup2 mount"
                            + " it sees); it stays served. If it was removed, the kernel lets go of its links once its last sockets close:"
                            + " start the agent again then; or " + cleanup, null);
        }
        for (Path pin : severed) {
            try {
                Files.deleteIfExists(pin);
            } catch (IOException e) {
                throw new UncheckedIOException("remove the pin " + pin + " of a link whose cgroup was removed: " + e.getMessage(), e);
            }
        }
    }
}
