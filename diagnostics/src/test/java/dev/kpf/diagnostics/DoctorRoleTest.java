package dev.kpf.diagnostics;

import io.kubernetes.client.openapi.models.V1ClusterRole;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.util.Yaml;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** deploy/kpf.yaml's kpf-doctor ClusterRole grants exactly what the doctor's ClusterReader lists. */
class DoctorRoleTest {
    @Test
    void the_doctor_role_grants_exactly_what_the_cluster_reader_uses() throws Exception {
        Path file = Path.of(System.getProperty("kpf.repoRoot", "../.."), "deploy", "kpf.yaml");
        V1ClusterRole role = Yaml.loadAll(file.toFile()).stream().filter(V1ClusterRole.class::isInstance).map(V1ClusterRole.class::cast)
                .filter(r -> r.getMetadata().getName().equals("kpf-doctor")).findFirst().orElseThrow();
        Map<String, Set<String>> granted = new HashMap<>();
        for (V1PolicyRule rule : role.getRules()) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    granted.computeIfAbsent(group.isEmpty() ? resource : resource + "." + group, k -> new HashSet<>()).addAll(rule.getVerbs());
                }
            }
        }
        assertEquals(ClusterReader.ACCESS, granted);
    }
}
