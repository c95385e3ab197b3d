package dev.kpf.dataplane.bpf;

import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.YamlDocuments;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 15: NodePorts work wherever the backend is, with only the client-facing interface given to kpf (what
 * {@code --devices auto} picks), in both families and with both externalTrafficPolicies:
 * <ul>
 *   <li>(a) on this node, behind a veth in a pod-like namespace;</li>
 *   <li>(b) remote, through a second interface of the node;</li>
 *   <li>(c) remote, through the client-facing interface itself (a router on the uplink).</li>
 * </ul>
 * Replies of SNATed flows come back on the interface the backend is reached through: the ingress program follows the
 * routes there (replies only). With externalTrafficPolicy Local the backend answers the client directly, so its
 * reply must pass the node: (c) with Local cannot work (the reply goes from the uplink router to the client without
 * the node, as with kube-proxy) and is not in the matrix. Each Service has one endpoint, on node-a (so Local uses it).
 */
class TcPlacementKernelIT {
    private static TcTestbed bed;
    private static BpfDatapath datapath;

    record Placement(String name, String v4, String v6) {}

    static final Placement VETH = new Placement("a: on the node behind a veth", TcTopology.BACKEND1, TcTopology.BACKEND1_6);
    static final Placement SECOND_NIC = new Placement("b: remote through a second interface", TcTopology.BACKEND2, TcTopology.BACKEND2_6);
    static final Placement UPLINK = new Placement("c: remote through the client-facing interface", TcTopology.CLIENT_SIDE_BACKEND, TcTopology.CLIENT_SIDE_BACKEND6);

    /** placement, family, policy, node port */
    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int port = 30100;
        for (Placement p : List.of(VETH, SECOND_NIC, UPLINK)) {
            for (int family : new int[] {4, 6}) {
                for (String policy : List.of("Cluster", "Local")) {
                    if (p == UPLINK && policy.equals("Local")) continue;
                    out.add(Arguments.of(p, family, policy, port++));
                }
            }
        }
        return out.stream();
    }

    @BeforeAll
    static void setUp() throws Exception {
        bed = TcTestbed.create("place");
        String uplinkBackend = bed.net.addClientSideBackend();
        bed.net.start(uplinkBackend, List.of(TcTestbed.PEER.toString(), "serve", "tcp", "300", TcTopology.CLIENT_SIDE_BACKEND, "8080", TcTopology.CLIENT_SIDE_BACKEND6, "8080"));
        BpfDatapath.Options o = bed.options();
        datapath = BpfDatapath.open(bed.options(List.of(o.devices().getFirst()), Map.of()));
        assertEquals(List.of(), datapath.apply(table()).errors());
        assertEquals(List.of(bed.net.nodeDevices.get(1), bed.net.nodeDevices.get(2)), datapath.replyDevices(),
                "the interfaces the backends are reached through, beyond the client-facing device");
    }

    @AfterAll
    static void tearDown() {
        if (datapath != null) datapath.close();
        if (bed != null) bed.close();
    }

    /** One NodePort Service per case, with its one endpoint on node-a. */
    private static LbTable table() {
        StringBuilder y = new StringBuilder("""
                apiVersion: v1
                kind: Node
                metadata: {name: node-a}
                status:
                  addresses:
                  - {type: InternalIP, address: 10.110.0.1}
                  - {type: InternalIP, address: "fd00:110::1"}
                """);
        cases().forEach(a -> {
            Object[] c = a.get();
            Placement p = (Placement) c[0];
            int family = (int) c[1], port = (int) c[3];
            String name = "p" + port, address = family == 4 ? p.v4() : "\"" + p.v6() + "\"";
            y.append("---\napiVersion: v1\nkind: Service\nmetadata: {name: ").append(name).append(", namespace: t}\nspec:\n  type: NodePort\n")
                    .append("  externalTrafficPolicy: ").append(c[2]).append('\n')
                    .append(family == 4 ? "  clusterIP: 10.96.111." + (port - 30000) + "\n" : "  ipFamilies: [IPv6]\n  clusterIPs: [\"fd00:96::111:" + (port - 30000) + "\"]\n")
                    .append("  ports:\n  - {name: http, port: 80, targetPort: 8080, nodePort: ").append(port).append("}\n")
                    .append("---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: ").append(name)
                    .append("-1, namespace: t, labels: {kubernetes.io/service-name: ").append(name).append("}}\naddressType: IPv").append(family)
                    .append("\nports: [{name: http, port: 8080}]\nendpoints:\n- {addresses: [").append(address).append("], nodeName: node-a}\n");
        });
        YamlDocuments.Parsed parsed = YamlDocuments.parse(y.toString(), "placements");
        LbTable t = new ServiceTranslator("node-a").translate(DirectoryLoader.decode(parsed.documents(), new ArrayList<>(parsed.problems())));
        assertEquals(List.of(), t.problems());
        return t;
    }

    @ParameterizedTest(name = "{0}, IPv{1}, externalTrafficPolicy {2}")
    @MethodSource("cases")
    void a_nodeport_reaches_its_backend_and_the_reply_comes_from_the_frontend(Placement placement, int family, String policy, int port) throws Exception {
        String node = family == 4 ? TcTopology.NODE_IP : TcTopology.NODE_IP6;
        String frontend = family == 4 ? node + ":" + port : "[" + node + "]:" + port;
        String backend = family == 4 ? placement.v4() + ":8080" : "[" + placement.v6() + "]:8080";
        String client = family == 4 ? TcTopology.CLIENT_IP : TcTopology.CLIENT_IP6;
        String seenAs = policy.equals("Local") ? client : node; // Local keeps the client's address, Cluster SNATs to the node's
        String from = (family == 4 ? seenAs.replace(".", "\\.") : "\\[" + seenAs + "\\]") + ":\\d+";
        assertEquals(Map.of(backend, 10), TcTestbed.answers(bed.client("tcp", 10, node, port), frontend, from));
    }
}
