package dev.kpf.dataplane.bpf;

import com.google.gson.JsonParser;
import dev.kpf.probes.KernelRequirement;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device detection on this machine: real interfaces with a node address, never loopback, and an IPv4 SNAT address on one of them. */
class DeviceDetectorIT {
    @Test
    void the_detected_devices_exist_carry_the_default_route_or_an_address_and_exclude_loopback() throws Exception {
        KernelRequirement.requireCommand("ip");
        DeviceDetector.Detected d = DeviceDetector.detect();
        Process p = new ProcessBuilder("ip", "-j", "-4", "addr", "show").redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Set<String> withIpv4 = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        JsonParser.parseString(json).getAsJsonArray().forEach(l -> {
            withIpv4.add(l.getAsJsonObject().get("ifname").getAsString());
            l.getAsJsonObject().getAsJsonArray("addr_info").forEach(a -> addresses.add(a.getAsJsonObject().get("local").getAsString()));
        });
        assertFalse(d.devices().contains("lo"), d.toString());
        assertTrue(withIpv4.containsAll(d.devices()), d + " vs " + withIpv4);
        if (!d.devices().isEmpty()) assertTrue(addresses.contains(d.snat4().getHostAddress()), d + " vs " + addresses);
    }
}
