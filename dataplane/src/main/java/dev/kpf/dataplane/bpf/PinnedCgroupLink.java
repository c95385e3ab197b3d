package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.BpfException;
import dev.kpf.probes.bpf.BpfLink;
import dev.kpf.probes.bpf.BpfProgram;
import dev.kpf.probes.bpf.Cgroup2Mount;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Taking over a socket hook's link that an earlier agent pinned, when it serves the cgroup this agent was given.
 * Adopting a link keeps the hook where it is attached, so without this check an agent restarted with another
 * {@code --cgroup} went on serving the old cgroup while reporting ready, and one whose cgroup had been removed
 * failed on the severed link ({@code ENOLINK}) with a remedy that did not fit.
 */
final class PinnedCgroupLink {
    private PinnedCgroupLink() {}

    /**
     * Like {@link BpfDatapath#adoptPinned}, for a link attached to a cgroup. Returns false when there is no pin, or
     * when the pinned link's cgroup is gone (the kernel severed it, or no cgroup with its id is left under the
     * cgroup2 mount): that pin is removed, nothing ran through it, and the caller attaches to {@code cgroup} anew.
     * Refuses, before touching anything, a link attached to another cgroup that still exists: that cgroup stays served
     * until the user chooses. A kernel that cannot say where a link is attached (before 5.8) gets the link adopted
     * as it is.
     */
    static boolean adopt(Path pin, BpfProgram program, List<BpfLink> links, Path cgroup) {
        if (!Files.exists(pin)) return false;
        BpfLink link = BpfLink.openPinned(pin);
        try {
            long attached;
            try {
                attached = link.cgroupId();
            } catch (BpfException cannotTell) {
                attached = -1;
            }
            long wanted = id(cgroup);
            if (attached >= 0 && attached != wanted) {
                Optional<Path> other = attached == 0 ? Optional.empty() : Cgroup2Mount.findById(attached);
                if (other.isPresent()) {
                    throw new DatapathException("the socket hooks pinned under " + pin.getParent() + " serve cgroup " + other.get()
                            + ", not " + cgroup + " (--cgroup): an earlier agent ran with --cgroup " + other.get()
                            + ", and it stays served. Start the agent with --cgroup " + other.get() + ", or to move it run `kpf agent --cleanup`"
                            + " (connections through kpf are interrupted until the agent starts again), then start it with --cgroup " + cgroup, null);
                }
                link.close();
                Files.delete(pin);
                return false;
            }
            links.add(link);
            link.updateProgram(program);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("remove the pin " + pin + " of a link whose cgroup is gone: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (!links.contains(link)) link.close();
            throw e;
        }
    }

    /** A cgroup v2 id: its directory's inode number. */
    private static long id(Path cgroup) {
        try {
            return ((Number) Files.getAttribute(cgroup, "unix:ino")).longValue();
        } catch (IOException e) {
            throw new UncheckedIOException("read the id of cgroup " + cgroup + ": " + e.getMessage(), e);
        }
    }
}
