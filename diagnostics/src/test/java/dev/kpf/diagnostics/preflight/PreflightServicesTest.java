package dev.kpf.diagnostics.preflight;

import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.model.Problem;
import dev.kpf.diagnostics.CheckResult;
import dev.kpf.probes.probe.ProbeStatus;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** preflight.services warns about what kpf leaves out of its table, naming it; a clean cluster passes. */
class PreflightServicesTest {
    private static LbTable translate(String fixture) {
        Path dir = Path.of(System.getProperty("kpf.repoRoot", "../.."), "testdata", "clusters", fixture);
        List<Problem> problems = new ArrayList<>();
        List<SourceDocument> docs = DirectoryLoader.documents(dir, problems);
        return new ServiceTranslator("node-a").translate(DirectoryLoader.decode(docs, problems));
    }

    @Test
    void objects_kpf_cannot_translate_are_named_and_a_clean_cluster_passes() {
        CheckResult bad = PreflightServices.check(translate("bad-input"));
        assertEquals(ProbeStatus.WARN, bad.status(), bad.toString());
        assertTrue(bad.observed().startsWith("not translated: "), bad.observed());
        CheckResult clean = PreflightServices.check(translate("nodeport"));
        assertEquals(ProbeStatus.PASS, clean.status(), clean.toString());
        assertTrue(clean.observed().endsWith("frontends, all served by kpf"), clean.observed());
    }
}
