package dev.kpf.dataplane.bpf;

import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.BpfLink;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An agent that finds an earlier agent's pinned socket-hook links takes them over only when they serve its own
 * cgroup. Started with another cgroup it refuses, naming both, and the earlier cgroup stays served (the last good
 * state stays programmed); links whose cgroup was removed (the kernel severs them) are replaced on the cgroup it
 * was given instead of failing on the severed link.
 */
class PinnedCgroupLinkKernelIT {
    private static long cgroupId(Path cgroup) throws Exception {
        return ((Number) Files.getAttribute(cgroup, "unix:ino")).longValue();
    }

    /** The cgroup id each hook's pinned link is attached to (0 once severed). */
    private static void assertLinksOn(PinDirectory pins, long cgroupId, String what) {
        for (MapLayout.Hook hook : MapLayout.HOOKS) {
            try (BpfLink link = BpfLink.openPinned(pins.path(MapLayout.LINKS + "/" + hook.attachType()))) {
                assertEquals(cgroupId, link.cgroupId(), what + ": " + hook.attachType());
            }
        }
    }

    @Test
    void a_restart_with_another_cgroup_is_refused_and_the_earlier_cgroup_stays_served() throws Exception {
        KernelRequirement.requireBpf();
        long pid = ProcessHandle.current().pid();
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-linkcg-" + pid));
        try (TemporaryCgroup first = TemporaryCgroup.create("kpf-linkcg-a-" + pid);
             TemporaryCgroup other = TemporaryCgroup.create("kpf-linkcg-b-" + pid)) {
            try {
                BpfDatapath.open(new BpfDatapath.Options(pins, first.path(), Map.of())).close(); // left in place, as on a restart
                assertLinksOn(pins, cgroupId(first.path()), "the first agent's links");

                DatapathException refused = assertThrows(DatapathException.class,
                        () -> BpfDatapath.open(new BpfDatapath.Options(pins, other.path(), Map.of())).close());
                assertTrue(refused.getMessage().contains(first.path().toString()) && refused.getMessage().contains(other.path().toString())
                        && refused.getMessage().contains("--cgroup") && refused.getMessage().contains("kpf agent --cleanup"), refused.getMessage());
                assertLinksOn(pins, cgroupId(first.path()), "after the refusal");

                try (BpfDatapath again = BpfDatapath.open(new BpfDatapath.Options(pins, first.path(), Map.of()))) {
                    assertTrue(again.adopted(), "the same cgroup again: taken over");
                }
            } finally {
                BpfDatapath.cleanup(pins);
            }
        } finally {
            OwnPinsKernelIT.removeTree(pins.root());
        }
    }

    @Test
    void links_whose_cgroup_was_removed_are_replaced_on_the_cgroup_given() throws Exception {
        KernelRequirement.requireBpf();
        long pid = ProcessHandle.current().pid();
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-linkcg-gone-" + pid));
        String name = "kpf-linkcg-gone-" + pid;
        try {
            try (TemporaryCgroup gone = TemporaryCgroup.create(name)) {
                BpfDatapath.open(new BpfDatapath.Options(pins, gone.path(), Map.of())).close();
            } // removed, with kpf's links still pinned
            try (TemporaryCgroup again = TemporaryCgroup.create(name)) { // the same path, a new cgroup
                assertTrue(cgroupId(again.path()) != 0);
                try (BpfDatapath datapath = BpfDatapath.open(new BpfDatapath.Options(pins, again.path(), Map.of()))) {
                    assertLinksOn(pins, cgroupId(again.path()), "replaced on the new cgroup");
                } finally {
                    BpfDatapath.cleanup(pins);
                }
            }
        } finally {
            OwnPinsKernelIT.removeTree(pins.root());
        }
    }
}
