package dev.kpf.dataplane.bpf;

import com.google.gson.JsonElement;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The main routing table of a network namespace (IPv4 and IPv6, from {@code ip -j route show}), for finding the
 * interface through which an address is reached: the longest prefix that matches.
 */
final class RouteTable {
    private record Route(byte[] prefix, int length, String device) {}

    private final List<Route> routes;

    private RouteTable(List<Route> routes) {
        this.routes = routes;
    }

    /** The table of {@code netns} (a file such as /run/netns/NAME; null: this process's namespace). */
    static RouteTable read(Path netns) throws IOException {
        List<Route> routes = new ArrayList<>();
        for (String family : List.of("-4", "-6")) {
            List<String> cmd = new ArrayList<>(List.of("ip"));
            if (netns != null) cmd.addAll(List.of("-n", netns.getFileName().toString()));
            cmd.addAll(List.of("-j", family, "route", "show", "table", "main"));
            for (JsonElement e : IpJson.run(cmd)) {
                var r = e.getAsJsonObject();
                if (!r.has("dev") || !r.has("dst")) continue;
                String dst = r.get("dst").getAsString();
                if (dst.equals("default")) dst = family.equals("-4") ? "0.0.0.0/0" : "::/0";
                int slash = dst.indexOf('/');
                byte[] prefix = InetAddress.getByName(slash < 0 ? dst : dst.substring(0, slash)).getAddress();
                int length = slash < 0 ? prefix.length * 8 : Integer.parseInt(dst.substring(slash + 1));
                routes.add(new Route(prefix, length, r.get("dev").getAsString()));
            }
        }
        return new RouteTable(routes);
    }

    /** The interface of the longest matching route, if any. */
    Optional<String> deviceFor(InetAddress address) {
        byte[] a = address.getAddress();
        Route best = null;
        for (Route r : routes) {
            if (r.prefix().length == a.length && matches(r.prefix(), a, r.length()) && (best == null || r.length() > best.length())) best = r;
        }
        return Optional.ofNullable(best).map(Route::device);
    }

    private static boolean matches(byte[] prefix, byte[] a, int bits) {
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((prefix[i / 8] & mask) != (a[i / 8] & mask)) return false;
        }
        return true;
    }
}
