package dev.kpf.dataplane.bpf;

import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.BpfLink;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;
import org.junit.jupiter.api.Test;

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
        return dev.kpf.probes.bpf.Cgroup2Mount.idOf(cgroup);
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

    /** The cgroup id each hook's pinned link reports, waited for until it is {@code expected} (bounded: 10 s). */
    private static void awaitLinksOn(PinDirectory pins, long expected, String what) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                assertLinksOn(pins, expected, what);
                return;
            } catch (AssertionError notYet) {
                if (System.nanoTime() > deadline) throw notYet;
                Thread.sleep(50);
            }
        }
    }

    @Test
    void links_of_a_removed_cgroup_stay_while_its_sockets_hold_it_and_are_replaced_once_the_kernel_severs_them() throws Exception {
        KernelRequirement.requireBpf();
        long pid = ProcessHandle.current().pid();
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/kpf-linkcg-gone-" + pid));
        String name = "kpf-linkcg-gone-" + pid;
        Process holder = null;
        try {
            long goneId;
            try (TemporaryCgroup gone = TemporaryCgroup.create(name)) {
                goneId = cgroupId(gone.path());
                BpfDatapath.open(new BpfDatapath.Options(pins, gone.path(), Map.of())).close();
                // a process makes a UDP socket in the cgroup, then leaves it: the cgroup can be removed, the socket holds it
                holder = new ProcessBuilder("bash", "-c", "echo $BASHPID > " + gone.path().resolve("cgroup.procs")
                        + " && exec 3<>/dev/udp/127.0.0.1/9 && echo $BASHPID > " + gone.path().getParent().resolve("cgroup.procs")
                        + " && echo held && exec sleep 60").redirectErrorStream(true).start();
                String said = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine();
                assertEquals("held", said, "the socket holder started");
            } // removed, with kpf's links still pinned and the socket open
            try (TemporaryCgroup again = TemporaryCgroup.create(name)) { // the same path, a new cgroup
                assertTrue(cgroupId(again.path()) != goneId);
                assertLinksOn(pins, goneId, "a removed cgroup held by a socket");
                DatapathException refused = assertThrows(DatapathException.class,
                        () -> BpfDatapath.open(new BpfDatapath.Options(pins, again.path(), Map.of())).close());
                assertTrue(refused.getMessage().contains("cannot find that cgroup") && refused.getMessage().contains("--cgroup " + again.path()),
                        refused.getMessage());
                assertLinksOn(pins, goneId, "after the refusal: left as they were");

                holder.destroyForcibly().waitFor(); // its socket closes: the kernel lets go of the cgroup and severs the links
                awaitLinksOn(pins, 0, "severed");
                try (BpfDatapath datapath = BpfDatapath.open(new BpfDatapath.Options(pins, again.path(), Map.of()))) {
                    assertLinksOn(pins, cgroupId(again.path()), "replaced on the new cgroup");
                } finally {
                    BpfDatapath.cleanup(pins);
                }
            }
        } finally {
            if (holder != null) holder.destroyForcibly().waitFor();
            // the cgroup, if the holder never left it and its removal failed above
            dev.kpf.probes.bpf.Cgroup2Mount.find().ifPresent(m -> m.resolve(name).toFile().delete());
            OwnPinsKernelIT.removeTree(pins.root());
        }
    }
}
