package dev.kpf.dataplane.trace;

import dev.kpf.dataplane.model.IpAddresses;

import java.net.InetAddress;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Which events a tracer shows; every given criterion must match. {@code vip} is a frontend address with an optional
 * port ({@code 10.96.0.10:53}, {@code [fd00::10]:53}, {@code 10.96.0.10}); {@code service} is {@code ns/name} or
 * {@code ns/name:port}; {@code backend} an address. IPv4-mapped IPv6 addresses match their IPv4 form.
 */
public record TraceFilter(Optional<InetAddress> vip, OptionalInt vipPort, Optional<String> service, OptionalInt pid,
                          Optional<InetAddress> backend) {
    public static final TraceFilter ALL = new TraceFilter(Optional.empty(), OptionalInt.empty(), Optional.empty(), OptionalInt.empty(), Optional.empty());

    public boolean matches(TraceEvent e, TraceNames names) {
        if (vip.isPresent() && !vip.get().equals(e.vip())) return false;
        if (vipPort.isPresent() && vipPort.getAsInt() != e.vipPort()) return false;
        if (pid.isPresent() && pid.getAsInt() != e.pid()) return false;
        if (backend.isPresent() && !e.backend().map(backend.get()::equals).orElse(false)) return false;
        if (service.isPresent()) {
            String want = service.get();
            String have = names.service(e).orElse("");
            if (!(have.equals(want) || have.startsWith(want + ":"))) return false;
        }
        return true;
    }

    public TraceFilter withVip(String text) {
        Address a = Address.parse(text, "--vip");
        return new TraceFilter(Optional.of(a.address), a.port, service, pid, backend);
    }

    public TraceFilter withService(String text) {
        if (!text.matches("[a-z0-9.-]+/[a-z0-9.-]+(:[A-Za-z0-9-]+)?")) {
            throw new IllegalArgumentException("--service " + text + ": expected NAMESPACE/NAME or NAMESPACE/NAME:PORT, e.g. kube-system/kube-dns:dns");
        }
        return new TraceFilter(vip, vipPort, Optional.of(text), pid, backend);
    }

    public TraceFilter withPid(int p) {
        if (p <= 0) throw new IllegalArgumentException("--pid " + p + ": expected a process id above 0");
        return new TraceFilter(vip, vipPort, service, OptionalInt.of(p), backend);
    }

    public TraceFilter withBackend(String text) {
        InetAddress a = IpAddresses.parse(text).orElseThrow(() -> new IllegalArgumentException(
                "--backend " + text + ": expected an IP address, e.g. 10.244.1.7 or fd00::7"));
        return new TraceFilter(vip, vipPort, service, pid, Optional.of(a));
    }

    /** An address with an optional port, as the user writes it. */
    private record Address(InetAddress address, OptionalInt port) {
        static Address parse(String text, String option) {
            String host = text;
            OptionalInt port = OptionalInt.empty();
            int colon = text.lastIndexOf(':');
            if (text.startsWith("[")) {
                int end = text.indexOf(']');
                if (end < 0) throw bad(text, option);
                host = text.substring(1, end);
                if (end + 1 < text.length()) {
                    if (text.charAt(end + 1) != ':') throw bad(text, option);
                    port = OptionalInt.of(port(text.substring(end + 2), text, option));
                }
            } else if (colon > 0 && text.indexOf(':') == colon) {
                host = text.substring(0, colon);
                port = OptionalInt.of(port(text.substring(colon + 1), text, option));
            }
            InetAddress a = IpAddresses.parse(host).orElseThrow(() -> bad(text, option));
            return new Address(a, port);
        }

        private static int port(String p, String text, String option) {
            try {
                int n = Integer.parseInt(p);
                if (n >= 1 && n <= 65535) return n;
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw bad(text, option);
        }

        private static IllegalArgumentException bad(String text, String option) {
            return new IllegalArgumentException(option + " " + text + ": expected ADDRESS or ADDRESS:PORT with a port from 1 to 65535, "
                    + "e.g. 10.96.0.10:53 or [fd00::10]:53");
        }
    }
}
