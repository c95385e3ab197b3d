package dev.kpf.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kpf services --from-maps --stats}: the programs' counters per frontend and backend, with rates. */
class ServicesStatsIT {
    private DemoDatapath demo;

    @BeforeEach
    void setUp() throws Exception {
        demo = DemoDatapath.open("svcstats");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (demo != null) demo.close();
    }

    private JsonObject frontend(JsonObject doc, String address, int port, String protocol) {
        for (JsonElement e : doc.getAsJsonArray("frontends")) {
            JsonObject f = e.getAsJsonObject();
            if (f.get("address").getAsString().equals(address) && f.get("port").getAsInt() == port
                    && f.get("protocol").getAsString().equals(protocol)) return f;
        }
        throw new AssertionError("no frontend " + address + ":" + port);
    }

    @Test
    void totals_per_frontend_and_backend_add_up_to_the_connects_made() throws Exception {
        demo.connects("10.96.0.10:53", "10.96.0.10:53", "10.96.0.10:53", "10.96.0.10:53", "10.96.0.1:443");
        CommandRun r = CommandRun.of("services", "--from-maps", "--bpffs", demo.pins.root().toString(), "--stats", "--interval", "0", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonObject doc = JsonParser.parseString(r.out()).getAsJsonObject();
        JsonObject dns = frontend(doc, "10.96.0.10", 53, "TCP");
        assertEquals(4, dns.getAsJsonObject("stats").get("connects").getAsLong());
        assertEquals(0, dns.getAsJsonObject("stats").get("refused").getAsLong());
        JsonArray backends = dns.getAsJsonArray("backends");
        long onBackends = 0;
        for (JsonElement b : backends) onBackends += b.getAsJsonObject().getAsJsonObject("stats").get("connects").getAsLong();
        assertEquals(4, onBackends, "each connect went to one backend");
        assertEquals(1, frontend(doc, "10.96.0.1", 443, "TCP").getAsJsonObject("stats").get("connects").getAsLong());
        assertEquals(0, frontend(doc, "10.96.0.10", 53, "UDP").getAsJsonObject("stats").get("connects").getAsLong());
        assertTrue(!dns.getAsJsonObject("stats").has("connectsPerSecond"), "one reading: no rate");

        CommandRun text = CommandRun.of("services", "--from-maps", "--bpffs", demo.pins.root().toString(), "--stats", "--interval", "0");
        assertTrue(text.out().lines().anyMatch(l -> l.matches("10\\.96\\.0\\.10:53/TCP\\s+kube-system/kube-dns:dns-tcp\\s+4\\s+0\\s+-\\s+10\\.244\\.\\S+:53\\s+\\d+\\s+-")),
                text.out());
        assertTrue(text.out().contains("5 connects, 0 refused"), text.out());
    }

    @Test
    void rates_come_from_two_readings_an_interval_apart() throws Exception {
        CompletableFuture<CommandRun> run = CompletableFuture.supplyAsync(() -> CommandRun.of("services", "--from-maps", "--bpffs",
                demo.pins.root().toString(), "--stats", "--interval", "2", "--json"));
        Thread.sleep(500);
        String[] ten = new String[10];
        java.util.Arrays.fill(ten, "10.96.0.1:443");
        demo.connects(ten);
        CommandRun r = run.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), r.err());
        JsonObject doc = JsonParser.parseString(r.out()).getAsJsonObject();
        double seconds = doc.get("statsIntervalSeconds").getAsDouble();
        assertTrue(seconds >= 2 && seconds < 3, "interval " + seconds);
        JsonObject api = frontend(doc, "10.96.0.1", 443, "TCP").getAsJsonObject("stats");
        assertEquals(10, api.get("connects").getAsLong());
        assertEquals(10 / seconds, api.get("connectsPerSecond").getAsDouble(), 0.1, api.toString());
    }

    @Test
    void stats_need_the_maps_and_a_sane_interval() {
        CommandRun noMaps = CommandRun.of("services", "--stats", "--source", "demo");
        assertEquals(ExitCodes.USAGE, noMaps.exitCode());
        assertTrue(noMaps.err().contains("--stats reads the kernel's counters: add --from-maps"), noMaps.err());
        assertEquals(ExitCodes.USAGE, CommandRun.of("services", "--from-maps", "--stats", "--interval", "-1").exitCode());
    }
}
