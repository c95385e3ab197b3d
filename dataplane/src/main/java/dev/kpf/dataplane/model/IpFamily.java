package dev.kpf.dataplane.model;

import java.net.Inet4Address;
import java.net.InetAddress;

/** IPv4 or IPv6, as Kubernetes names them in ipFamilies and EndpointSlice addressType. */
public enum IpFamily {
    IPv4, IPv6;

    public static IpFamily of(InetAddress address) {
        return address instanceof Inet4Address ? IPv4 : IPv6;
    }
}
