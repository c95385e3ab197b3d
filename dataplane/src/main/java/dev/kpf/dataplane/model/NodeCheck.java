package dev.kpf.dataplane.model;

import java.util.List;
import java.util.Locale;

/**
 * Whether this node's name is one of the cluster's Nodes. NodePort addresses, node-local endpoints and the zone all
 * come from that Node: under a name the cluster does not list, NodePorts would answer on every address and
 * externalTrafficPolicy Local Services would have no local endpoints.
 */
public sealed interface NodeCheck {
    /** The name is a Node of the cluster. */
    record Known(Node node) implements NodeCheck {}

    /** The source lists Nodes and the name is not among them. */
    record Unknown(String name, List<String> nodes) implements NodeCheck {
        public Unknown {
            nodes = nodes.stream().sorted().toList();
        }

        /** What is wrong and the fix, with a suggestion when one Node is this name's first DNS label (a host's FQDN). */
        public String message() {
            int shown = Math.min(nodes.size(), 5);
            String list = String.join(", ", nodes.subList(0, shown)) + (nodes.size() > shown ? ", ..." : "");
            String what = name.isEmpty() ? "the node name is empty, not one of the cluster's" : "node \"" + name + "\" is not one of the cluster's";
            return what + " " + nodes.size() + (nodes.size() == 1 ? " Node (" : " Nodes (") + list + "): pass --node-name (or set NODE_NAME) "
                    + "to this node's name as `kubectl get nodes` shows it" + suggestion();
        }

        private String suggestion() {
            String label = name.toLowerCase(Locale.ROOT).split("\\.", 2)[0];
            return nodes.stream().filter(n -> n.equals(label) || n.equalsIgnoreCase(name)).findFirst().map(n -> "; did you mean " + n + "?").orElse("");
        }
    }

    /** The source lists no Node at all (a directory of Services, say): the name cannot be checked. */
    record Unlisted(String name) implements NodeCheck {}

    static NodeCheck of(String name, ClusterState state) {
        if (state.nodes().isEmpty()) return new Unlisted(name);
        Node node = state.nodes().get(name);
        return node != null ? new Known(node) : new Unknown(name, List.copyOf(state.nodes().keySet()));
    }
}
