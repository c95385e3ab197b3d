package dev.kpf.dataplane.bpf;

import com.google.gson.JsonElement;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which interfaces carry the node's traffic from outside, as Cilium's device detection decides: the interfaces of
 * the IPv4 default routes, then those with a global IPv4 address, leaving out loopback and the virtual interfaces of
 * containers and overlays. The SNAT addresses are the first global IPv4 and IPv6 addresses of the devices.
 */
public final class DeviceDetector {
    private static final Pattern VIRTUAL = Pattern.compile("^(lo|veth.*|lxc.*|cni.*|docker.*|br-.*|virbr.*|kube-.*|cilium_.*|flannel.*|vxlan.*|tunl.*|kpf.*)$");

    /** Detected devices and the addresses to SNAT to (null when the devices have none of that family). */
    public record Detected(List<String> devices, InetAddress snat4, InetAddress snat6) {
        public Detected(List<String> devices, InetAddress snat4) {
            this(devices, snat4, null);
        }
    }

    private DeviceDetector() {}

    public static Detected detect() throws IOException {
        Set<String> devices = new LinkedHashSet<>();
        for (JsonElement r : IpJson.run(List.of("ip", "-j", "-4", "route", "show", "default"))) {
            if (r.getAsJsonObject().has("dev")) devices.add(r.getAsJsonObject().get("dev").getAsString());
        }
        List<JsonElement> links = IpJson.run(List.of("ip", "-j", "-4", "addr", "show", "scope", "global"));
        for (JsonElement l : links) devices.add(l.getAsJsonObject().get("ifname").getAsString());
        devices.removeIf(d -> VIRTUAL.matcher(d).matches());
        InetAddress snat = null;
        for (String d : devices) {
            for (JsonElement l : links) {
                if (snat == null && l.getAsJsonObject().get("ifname").getAsString().equals(d)) {
                    for (JsonElement a : l.getAsJsonObject().getAsJsonArray("addr_info")) {
                        if (snat == null && a.getAsJsonObject().get("family").getAsString().equals("inet")) {
                            snat = InetAddress.getByName(a.getAsJsonObject().get("local").getAsString());
                        }
                    }
                }
            }
        }
        InetAddress snat6 = null;
        for (JsonElement l : IpJson.run(List.of("ip", "-j", "-6", "addr", "show", "scope", "global"))) {
            if (snat6 != null || !devices.contains(l.getAsJsonObject().get("ifname").getAsString())) continue;
            for (JsonElement a : l.getAsJsonObject().getAsJsonArray("addr_info")) {
                if (snat6 == null && a.getAsJsonObject().get("family").getAsString().equals("inet6")) {
                    snat6 = InetAddress.getByName(a.getAsJsonObject().get("local").getAsString());
                }
            }
        }
        return new Detected(new ArrayList<>(devices), snat, snat6);
    }

    /**
     * The SNAT addresses of interfaces named by the operator ({@code --devices IF,...}): the first global IPv4 and
     * IPv6 address of the first of them that has one, as {@link #detect} takes them from the detected devices. An
     * interface that does not exist is an error naming it.
     */
    public static Detected addressesOf(List<String> names) throws IOException {
        Set<String> existing = new LinkedHashSet<>();
        for (JsonElement l : IpJson.run(List.of("ip", "-j", "link", "show"))) existing.add(l.getAsJsonObject().get("ifname").getAsString());
        for (String n : names) {
            if (!existing.contains(n)) throw new IOException("there is no interface " + n + " in this network namespace (ip link shows " + existing + ")");
        }
        return new Detected(List.copyOf(names), first(names, "-4", "inet"), first(names, "-6", "inet6"));
    }

    /** The first global address of {@code family} on the first of {@code devices} that has one; null when none has. */
    private static InetAddress first(List<String> devices, String flag, String family) throws IOException {
        List<JsonElement> links = IpJson.run(List.of("ip", "-j", flag, "addr", "show", "scope", "global"));
        for (String d : devices) {
            for (JsonElement l : links) {
                if (!l.getAsJsonObject().get("ifname").getAsString().equals(d)) continue;
                for (JsonElement a : l.getAsJsonObject().getAsJsonArray("addr_info")) {
                    if (a.getAsJsonObject().get("family").getAsString().equals(family)) {
                        return InetAddress.getByName(a.getAsJsonObject().get("local").getAsString());
                    }
                }
            }
        }
        return null;
    }
}
