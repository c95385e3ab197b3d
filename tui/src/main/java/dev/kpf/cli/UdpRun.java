package dev.kpf.cli;

import dev.kpf.cli.bench.UdpFlows;
import dev.kpf.dataplane.bpf.BpfDatapath;
import dev.kpf.dataplane.bpf.TcEvent;

import java.util.List;

/** {@code kpf bench external}'s UDP run: many short UDP flows to the UDP NodePort, and what the datapath counted meanwhile. */
final class UdpRun {
    private UdpRun() {}

    record Result(int answered, double seconds, long p50us, long p99us, long exhausted, long reused) {}

    static Result run(BpfDatapath datapath, String clientNs, int flows) throws Exception {
        long exhausted0 = datapath.tcEvents().get(TcEvent.PORTS_EXHAUSTED), reused0 = datapath.tcEvents().get(TcEvent.PORT_REUSED);
        String line = ClientResult.outcome(ConnectBenchCommand.start(List.of("nsenter", "--net=/run/netns/" + clientNs), UdpFlows.class,
                List.of(ExternalBenchCommand.NODE_IP, Integer.toString(ExternalBenchCommand.UDP_NODE_PORT), Integer.toString(flows), "200")), 600);
        String[] f = line.split(" ");
        return new Result(Integer.parseInt(f[1]), Double.parseDouble(f[5]), Long.parseLong(f[7]), Long.parseLong(f[9]),
                datapath.tcEvents().get(TcEvent.PORTS_EXHAUSTED) - exhausted0, datapath.tcEvents().get(TcEvent.PORT_REUSED) - reused0);
    }
}
