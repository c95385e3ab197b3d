package dev.kpf.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.probes.KernelRequirement;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kpf bench connect} runs end to end at a small size: every variant connects without failures, the tracer of
 * the traced run reads one event per connect, and the report has its ratios. (No timing is asserted: the figures
 * are for people, from the full-size run the README cites.)
 */
class ConnectBenchIT {
    @Test
    void a_small_run_reports_every_variant_and_the_tracer_reads_every_connect() {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("nsenter");
        CommandRun r = CommandRun.of("bench", "connect", "--services", "10", "--connections", "300", "--no-iptables", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonObject doc = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(3, doc.getAsJsonArray("figures").size(), r.out()); // direct, kpf, kpf traced (medians of the rounds)
        JsonObject ratios = doc.getAsJsonObject("ratios");
        assertTrue(ratios.has("kpf_over_direct") && ratios.has("kpf_traced_over_untraced") && !ratios.has("kpf_over_iptables"), r.out());
        assertEquals(doc.get("trace_events_expected").getAsLong(), doc.get("trace_events_read").getAsLong(), "one event per connect, none lost");
        assertEquals(0, doc.get("trace_events_lost").getAsLong());
    }
}
