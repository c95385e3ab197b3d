package dev.kpf.diagnostics;

import dev.kpf.dataplane.load.YamlDocuments;
import dev.kpf.probes.probe.ProbeStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kube-proxy-free annotation: exactly "enable", on the baremetal Cluster; everything else named with its fix. */
class ClusterAnnotationLintTest {
    private static String cluster(String metadataExtra) {
        return "apiVersion: baremetal.cluster.gke.io/v1\nkind: Cluster\nmetadata:\n  name: demo\n  namespace: cluster-demo\n" + metadataExtra
                + "spec:\n  type: hybrid\n";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "correct     | '  annotations:\\n    preview.baremetal.cluster.gke.io/kube-proxy-free: \"enable\"\\n' | PASS | cannot be undone",
            "wrong value | '  annotations:\\n    preview.baremetal.cluster.gke.io/kube-proxy-free: \"true\"\\n'   | FAIL | must be exactly \"enable\" (not \"true\")",
            "typo in key | '  annotations:\\n    preview.baremetal.cluster.gke.io/kube-proxy-fre: \"enable\"\\n'  | FAIL | the key is misspelt",
            "as a label  | '  labels:\\n    preview.baremetal.cluster.gke.io/kube-proxy-free: \"enable\"\\n'      | FAIL | move it from metadata.labels",
            "missing     | ''                                                                                     | FAIL | add preview.baremetal.cluster.gke.io/kube-proxy-free",
    })
    void the_cluster_annotation(String name, String extra, ProbeStatus status, String says) {
        CheckResult r = ClusterAnnotationLint.check(YamlDocuments.parse(cluster(extra.replace("\\n", "\n")), "cluster.yaml").documents());
        assertEquals(status, r.status(), r.toString());
        assertTrue((r.observed() + " " + r.remedy()).contains(says), r.toString());
        if (status == ProbeStatus.FAIL) assertTrue(r.remedy().contains("cannot be undone"), "every fix warns that the switch is irreversible");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "on a NodePool | baremetal.cluster.gke.io/v1 | NodePool",
            "on an old API | baremetal.cluster.gke.io/v1alpha1 | Cluster",
    })
    void the_annotation_on_the_wrong_object_is_named(String name, String apiVersion, String kind) {
        String yaml = "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata:\n  name: np\n  annotations:\n"
                + "    preview.baremetal.cluster.gke.io/kube-proxy-free: \"enable\"\n";
        CheckResult r = ClusterAnnotationLint.check(YamlDocuments.parse(yaml, "cluster.yaml").documents());
        assertEquals(ProbeStatus.FAIL, r.status());
        assertTrue(r.observed().contains("the annotation is on " + kind + " np (cluster.yaml:1)"), r.observed());
    }
}
