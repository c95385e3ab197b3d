package dev.kpf.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.probes.KernelRequirement;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small {@code kpf bench sync} runs every part the README's figures come from: full syncs, the floor (whose copy
 * the bench checks against kpf's maps), single changes, and each kube-proxy mode, including the one-change nftables
 * transactions made from the bench's own churn and applied to the loaded ruleset (nft refuses a wrong one, and the
 * bench fails then).
 */
class SyncBenchIT {
    @Test
    void a_small_run_measures_kpf_the_floor_and_every_kube_proxy_mode() {
        KernelRequirement.requireBpf();
        for (String tool : new String[] {"ip", "nft", "iptables-restore", "iptables-legacy-restore"}) KernelRequirement.requireCommand(tool);
        CommandRun r = CommandRun.of("bench", "sync", "--services", "40", "--endpoints", "4", "--changes", "100", "--cap", "30", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonObject doc = JsonParser.parseString(r.out()).getAsJsonObject();
        java.util.List<JsonObject> figures = doc.getAsJsonArray("figures").asList().stream().map(JsonElement::getAsJsonObject).toList();
        for (String name : new String[] {"kpf full sync, first in this JVM (JIT cold)", "kpf full sync (median of 5)", "floor: ",
                "kpf one endpoint change p99", "iptables-legacy-restore, full restore", "iptables-restore --noflush", "nft -f (",
                "nft -f one endpoint change p50", "nft -f one endpoint change p99"}) {
            JsonObject f = figures.stream().filter(x -> x.get("name").getAsString().startsWith(name)).findFirst()
                    .orElseThrow(() -> new AssertionError(name + " in " + figures));
            // small runs round to 0.000 s: what is checked is that each part ran to its end, not how fast
            assertTrue(f.get("value").getAsDouble() >= 0 && !f.has("lowerBound"), name + ": " + f);
        }
        String floor = figures.stream().map(f -> f.get("name").getAsString()).filter(n -> n.startsWith("floor: ")).findFirst().orElseThrow();
        assertTrue(floor.matches("floor: [1-9]\\d* entries, one batch call per map \\([1-9] maps\\)"), floor);
        JsonObject ratios = doc.getAsJsonObject("ratios");
        for (String ratio : new String[] {"kpf_full_over_floor", "nft_one_change_over_kpf_p50", "iptables_legacy_restore_over_kpf", "strongest_full_alternative_over_kpf"}) {
            assertTrue(ratios.has(ratio), ratio + " in " + ratios);
        }
    }
}
