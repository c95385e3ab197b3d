package dev.kpf.diagnostics;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.probes.probe.ProbeStatus;
import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** maps.consistent through the doctor against maps programmed in the running kernel and read back from their pins. */
class MapsConsistencyKernelIT {
    private static boolean catalog(JsonObject o) {
        JsonObject meta = o.getAsJsonObject("metadata");
        String name = meta.has("name") ? meta.get("name").getAsString() : "";
        return "shop".equals(meta.has("namespace") ? meta.get("namespace").getAsString() : "") && name.startsWith("catalog");
    }

    private static CheckResult doctor(PinnedDatapath maps, LbTable intent) {
        DoctorReport r = Doctor.run(DoctorInputs.none().withAgent(null, maps.pinDirectory(), () -> intent).withSelection(java.util.Set.of("maps.consistent"), java.util.Set.of()));
        assertEquals(1, r.checks().size(), r.toString());
        return r.checks().getFirst();
    }

    @Test
    void maps_that_hold_what_the_api_asks_pass_and_a_missed_service_is_named() {
        List<JsonObject> demo = DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE);
        LbTable intent = PinnedDatapath.translate(demo);
        try (PinnedDatapath maps = PinnedDatapath.open("maps")) {
            maps.program(intent);
            CheckResult same = doctor(maps, intent);
            assertEquals(ProbeStatus.PASS, same.status(), same.toString());
            assertEquals(intent.entries().size() + " frontends, all as the API asks", same.observed());

            LbTable withoutCatalog = PinnedDatapath.translate(demo.stream().filter(o -> !catalog(o)).toList());
            maps.program(withoutCatalog);
            CheckResult missed = doctor(maps, intent);
            assertEquals(ProbeStatus.FAIL, missed.status(), missed.toString());
            assertTrue(missed.observed().startsWith("1 missing: ") && missed.observed().contains("shop/catalog"), missed.observed());

            CheckResult extra = doctor(maps, PinnedDatapath.translate(demo.stream().filter(o -> !o.get("kind").getAsString().equals("Service")
                    || !o.getAsJsonObject("metadata").get("name").getAsString().equals("kube-dns")).toList()));
            assertTrue(extra.observed().contains("; 3 extra: ") && extra.observed().contains("10.96.0.10:53/UDP kube-system/kube-dns:dns"), extra.observed());
        }
    }
}
