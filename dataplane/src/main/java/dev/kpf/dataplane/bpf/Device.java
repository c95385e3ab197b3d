package dev.kpf.dataplane.bpf;

import java.nio.file.Path;

/**
 * A network interface the tc programs attach to: its name, in the network namespace {@code netns} (a file such
 * as /run/netns/NAME; null for the agent's own). The links are pinned as links/tc_in_NAME and links/tc_out_NAME
 * (pin names are lower case letters, digits and underscores).
 */
public record Device(Path netns, String name) {
    public Device {
        if (!name.matches("[A-Za-z0-9_.@-]{1,15}")) throw new IllegalArgumentException("interface name: " + name);
    }

    public static Device of(String name) {
        return new Device(null, name);
    }

    String linkPin(boolean ingress) {
        String where = (netns == null ? "" : netns.getFileName() + "_") + name;
        return (ingress ? "tc_in_" : "tc_out_") + where.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }
}
