package dev.kpf.dataplane.bpf;

import dev.kpf.probes.KernelRequirement;
import dev.kpf.probes.bpf.PinDirectory;
import dev.kpf.probes.bpf.TemporaryCgroup;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a socket-level kernel test stands on: a pin directory and a cgroup of its own, the client and backend
 * namespaces with the peer servers ({@link TestNetwork}), and kpf's datapath attached to that cgroup. Closing removes
 * all of it, also after a failure.
 */
final class SocketLbTestbed implements AutoCloseable {
    static final Path PEER = Path.of("target/test-classes/bin/kpf_peer").toAbsolutePath();

    final PinDirectory pins;
    final TemporaryCgroup cgroup;
    final TestNetwork net;
    final BpfDatapath datapath;

    private SocketLbTestbed(PinDirectory pins, TemporaryCgroup cgroup, TestNetwork net, BpfDatapath datapath) {
        this.pins = pins;
        this.cgroup = cgroup;
        this.net = net;
        this.datapath = datapath;
    }

    /** Needs BPF, root and nsenter (with CI=true, fails when they are missing); {@code name} tells its pins and cgroup apart. */
    static SocketLbTestbed create(String name) throws Exception {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("nsenter");
        String id = "kpf-test-" + name + "-" + ProcessHandle.current().pid();
        PinDirectory pins = new PinDirectory(Path.of("/sys/fs/bpf/" + id));
        TemporaryCgroup cgroup = null;
        TestNetwork net = null;
        try {
            cgroup = TemporaryCgroup.create(id);
            net = TestNetwork.create();
            net.startPeerServers(PEER);
            return new SocketLbTestbed(pins, cgroup, net, BpfDatapath.open(new BpfDatapath.Options(pins, cgroup.path(), Map.of())));
        } catch (Exception | Error e) {
            BpfDatapath.cleanup(pins);
            if (net != null) net.close();
            if (cgroup != null) cgroup.close();
            throw e;
        }
    }

    /** The peer client's lines for {@code count} attempts from the client namespace and the cgroup. */
    List<String> client(String proto, int count, String addr, int port) throws Exception {
        return net.peerClient(cgroup.path(), PEER, proto, count, addr, port);
    }

    /** The bash command line that runs "$@" in the cgroup and then the client namespace. */
    List<String> inClient() {
        return List.of("bash", "-c", "echo $$ > " + cgroup.path().resolve("cgroup.procs") + " && exec nsenter --net=/run/netns/" + net.client + " \"$@\"",
                "kpf-test-client");
    }

    @Override
    public void close() {
        datapath.close();
        BpfDatapath.cleanup(pins);
        net.close();
        cgroup.close();
    }
}
