package dev.kpf.testdata.scale;

import com.google.gson.JsonObject;
import dev.kpf.dataplane.lb.IncrementalTranslator;
import dev.kpf.dataplane.lb.LbDiff;
import dev.kpf.dataplane.lb.LbEntry;
import dev.kpf.dataplane.lb.LbTable;
import dev.kpf.dataplane.lb.ServiceTranslator;
import dev.kpf.dataplane.load.DirectoryLoader;
import dev.kpf.dataplane.load.ObjectDecoder;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.lb.Frontend;
import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.EndpointSlice;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Incremental translation is full translation, change by change: after every one of a stream of endpoint changes,
 * applying the returned diffs to the first table gives exactly the table a full translation of the current state
 * gives.
 */
class IncrementalTranslationTest {
    @Test
    void applying_every_diff_reproduces_the_full_translation() {
        ScaleCluster cluster = ScaleCluster.generate(200, 5, 0.3, 7);
        ClusterState state = decode(cluster.objects());
        ServiceTranslator translator = new ServiceTranslator("node-a");
        IncrementalTranslator incremental = new IncrementalTranslator(translator);
        incremental.load(state);
        LbDiff first = incremental.sync();
        Map<Frontend, LbEntry> applied = new TreeMap<>();
        apply(applied, first);
        assertEquals(lines(translator.translate(state).entries()), lines(applied));

        ScaleCluster.Churn churn = cluster.churn(11);
        int changed = 0;
        for (int i = 0; i < 300; i++) {
            JsonObject slice = churn.next();
            EndpointSlice s = ((ObjectDecoder.Decoded.ASlice) new ObjectDecoder().decode(new SourceDocument(slice, "churn"))).slice();
            incremental.upsertSlice(s);
            LbDiff d = incremental.sync();
            changed += d.changed().size();
            assertTrue(d.added().isEmpty() && d.removed().isEmpty(), "an endpoint flip changes frontends, never adds or removes them");
            apply(applied, d);
        }
        assertTrue(changed >= 300, "every flip changed at least one frontend: " + changed);
        LbTable full = translator.translate(decode(cluster.objects()));
        assertEquals(lines(full.entries()), lines(applied), "diffs applied in order give the full translation of the final state");
        assertEquals(lines(full.entries()), lines(incremental.table().entries()));
    }

    /** Entries as golden-style lines, so a mismatch shows readable lines. */
    static String lines(Map<Frontend, LbEntry> entries) {
        return String.join("\n", entries.values().stream().map(LbEntry::line).toList());
    }

    static void apply(Map<Frontend, LbEntry> table, LbDiff diff) {
        diff.removed().forEach(table::remove);
        diff.added().forEach(e -> table.put(e.frontend(), e));
        diff.changed().forEach(c -> table.put(c.after().frontend(), c.after()));
    }

    static ClusterState decode(List<JsonObject> objects) {
        List<SourceDocument> docs = new ArrayList<>();
        for (JsonObject o : objects) docs.add(new SourceDocument(o, "scale"));
        return DirectoryLoader.decode(docs, new ArrayList<>());
    }
}
