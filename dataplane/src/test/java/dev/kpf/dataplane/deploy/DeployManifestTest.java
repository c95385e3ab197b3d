package dev.kpf.dataplane.deploy;

import dev.kpf.dataplane.source.KubeSource;
import io.kubernetes.client.openapi.models.V1ClusterRole;
import io.kubernetes.client.openapi.models.V1ClusterRoleBinding;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1PolicyRule;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.util.Yaml;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** deploy/kpf.yaml parsed with the official client's model classes: the DaemonSet and its least-privilege RBAC. */
class DeployManifestTest {
    private static List<Object> objects;

    @BeforeAll
    static void load() throws Exception {
        Path file = Path.of(System.getProperty("kpf.repoRoot", "../.."), "deploy", "kpf.yaml");
        objects = Yaml.loadAll(file.toFile());
    }

    private static <T> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void the_agent_role_grants_exactly_what_the_kube_source_uses() {
        V1ClusterRole role = all(V1ClusterRole.class).stream().filter(r -> r.getMetadata().getName().equals("kpf-agent")).findFirst().orElseThrow();
        Map<String, Set<String>> granted = new HashMap<>();
        for (V1PolicyRule rule : role.getRules()) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    String key = group.isEmpty() ? resource : resource + "." + group;
                    granted.computeIfAbsent(key, k -> new HashSet<>()).addAll(rule.getVerbs());
                }
            }
        }
        assertEquals(KubeSource.ACCESS, granted);
    }

    @Test
    void the_daemon_set_runs_the_agent_with_bpf_capabilities_and_host_mounts() {
        V1DaemonSet ds = all(V1DaemonSet.class).getFirst();
        var pod = ds.getSpec().getTemplate().getSpec();
        assertTrue(pod.getHostNetwork());
        assertEquals("kpf", pod.getServiceAccountName());
        V1Container agent = pod.getContainers().getFirst();
        assertEquals("agent", agent.getArgs().getFirst());
        assertEquals(Set.of("BPF", "NET_ADMIN", "SYS_ADMIN", "PERFMON", "SYS_RESOURCE"), new HashSet<>(agent.getSecurityContext().getCapabilities().getAdd()),
                "SYS_RESOURCE raises RLIMIT_MEMLOCK on kernels before 5.11 (RHEL 8)");
        assertEquals("spc_t", agent.getSecurityContext().getSeLinuxOptions().getType(), "RHEL with SELinux enforcing");
        assertTrue(agent.getArgs().stream().noneMatch(a -> a.startsWith("--cgroup")), "the agent finds the cgroup2 mount itself (hybrid hosts)");
        assertEquals(Boolean.FALSE, agent.getSecurityContext().getPrivileged());
        assertEquals(Set.of("/sys/fs/bpf", "/sys/fs/cgroup"), new HashSet<>(agent.getVolumeMounts().stream().map(m -> m.getMountPath()).toList()));
        assertEquals("/livez", agent.getLivenessProbe().getHttpGet().getPath());
        // kpf's own port, not kube-proxy's (10249, 10256): the probes, the listen address and the agent's default agree
        int port = Integer.parseInt(dev.kpf.dataplane.agent.AgentHttp.DEFAULT_LISTEN.substring(dev.kpf.dataplane.agent.AgentHttp.DEFAULT_LISTEN.lastIndexOf(':') + 1));
        assertTrue(port != 10249 && port != 10256, "kube-proxy's ports");
        assertEquals(port, agent.getLivenessProbe().getHttpGet().getPort().getIntValue());
        assertEquals(port, agent.getReadinessProbe().getHttpGet().getPort().getIntValue());
        assertEquals("/readyz", agent.getReadinessProbe().getHttpGet().getPath());
        V1ConfigMap config = all(V1ConfigMap.class).getFirst();
        assertEquals("kpf-agent", agent.getEnvFrom().getFirst().getConfigMapRef().getName());
        assertEquals(dev.kpf.dataplane.agent.AgentHttp.DEFAULT_LISTEN, config.getData().get("KPF_LISTEN"));
        // issue 17: the agent reads the API server's own address from the environment the ConfigMap fills
        assertTrue(config.getData().containsKey(dev.kpf.dataplane.source.InClusterApi.ENV), config.getData().keySet().toString());
        assertEquals("kpf", all(V1ServiceAccount.class).getFirst().getMetadata().getName());
        assertEquals(2, all(V1ClusterRoleBinding.class).size());
        // issue 17: metrics for a cluster's Prometheus are opt-in, on the node's address, on a named port
        assertEquals("none", config.getData().get("KPF_METRICS_LISTEN"));
        assertTrue(agent.getArgs().contains("--metrics-listen=$(KPF_METRICS_LISTEN)"), agent.getArgs().toString());
        var metricsPort = agent.getPorts().stream().filter(p -> "metrics".equals(p.getName())).findFirst().orElseThrow();
        assertEquals(10291, metricsPort.getContainerPort());
        assertTrue(metricsPort.getContainerPort() != port, "not the status API's port");
        assertEquals("status.hostIP", agent.getEnv().stream().filter(e -> e.getName().equals("NODE_IP")).findFirst().orElseThrow()
                .getValueFrom().getFieldRef().getFieldPath(), "node:PORT binds the node's own address");
        assertTrue(dev.kpf.dataplane.agent.AgentSettings.metricsListen("node:" + metricsPort.getContainerPort(), Map.of("NODE_IP", "192.0.2.10"))
                .isPresent(), "the documented opt-in value is one the agent takes");
    }

    /**
     * Issue 17: {@code kpf agent} is bounded however it starts: the launcher gives the agent the JVM options the
     * DaemonSet's ConfigMap gives it, so an agent started by hand behaves as the deployed one.
     */
    @Test
    void the_launcher_bounds_the_agent_as_the_daemon_set_does() throws Exception {
        String configured = all(V1ConfigMap.class).getFirst().getData().get("KPF_JAVA_OPTS");
        assertEquals(dev.kpf.dataplane.agent.AgentJvm.OPTIONS, configured, "kpf bench memory measures these options");
        String launcher = java.nio.file.Files.readString(Path.of(System.getProperty("kpf.repoRoot", "../.."), "bin", "kpf"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"agent \"\\*\\) tuning=\"([^\"]*)\"").matcher(launcher);
        assertTrue(m.find(), "bin/kpf sets the agent's JVM options");
        assertEquals(configured, m.group(1));
        assertEquals("2", all(V1ConfigMap.class).getFirst().getData().get("MALLOC_ARENA_MAX"), "the agent's malloc arenas are bounded");
        assertTrue(launcher.contains("export MALLOC_ARENA_MAX=\"${MALLOC_ARENA_MAX:-2}\""), "bin/kpf bounds them too");
    }

    /**
     * Issue 17: a schema check. Every field of every manifest must survive a round trip through the official client's
     * model classes (generated from the API's OpenAPI schema): a misspelt or misplaced field, which the API server
     * would drop or reject, is named with its path. Seen red with a misspelt field.
     */
    @Test
    void every_field_of_every_manifest_is_in_the_api_schema() throws Exception {
        String text = java.nio.file.Files.readString(Path.of(System.getProperty("kpf.repoRoot", "../.."), "deploy", "kpf.yaml"));
        assertEquals(List.of(), unknownFields(text));
        String misspelt = text.replace("        readinessProbe:", "        readinesProbe:");
        List<String> found = unknownFields(misspelt);
        assertEquals(1, found.size(), found.toString());
        assertTrue(found.getFirst().contains("readinesProbe"), "the check names the misspelt field: " + found);
    }

    /** The paths of fields in {@code text}'s documents that the typed models do not hold. */
    private static List<String> unknownFields(String text) throws Exception {
        List<String> unknown = new java.util.ArrayList<>();
        com.google.gson.Gson gson = io.kubernetes.client.openapi.JSON.getGson();
        for (Object raw : new org.yaml.snakeyaml.Yaml().loadAll(text)) {
            com.google.gson.JsonElement written = gson.toJsonTree(raw);
            Object typed;
            try {
                typed = Yaml.load(new org.yaml.snakeyaml.Yaml().dump(raw));
            } catch (RuntimeException e) {
                // the client's loader refuses a property its model lacks, naming it
                unknown.add("cannot load: " + e.getMessage().lines().filter(l -> l.contains("property")).reduce((a, b) -> b).orElse(e.getMessage()));
                continue;
            }
            com.google.gson.JsonElement read = com.google.gson.JsonParser.parseString(gson.toJson(typed));
            String name = written.getAsJsonObject().get("kind").getAsString() + " " + written.getAsJsonObject().getAsJsonObject("metadata").get("name").getAsString();
            missing(written, read, "", name, unknown);
        }
        return unknown;
    }

    private static void missing(com.google.gson.JsonElement written, com.google.gson.JsonElement read, String path, String object, List<String> out) {
        if (written.isJsonObject()) {
            for (var e : written.getAsJsonObject().entrySet()) {
                String at = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                com.google.gson.JsonElement r = read != null && read.isJsonObject() ? read.getAsJsonObject().get(e.getKey()) : null;
                if (r == null) out.add(object + ": " + at);
                else missing(e.getValue(), r, at, object, out);
            }
        } else if (written.isJsonArray()) {
            for (int i = 0; i < written.getAsJsonArray().size(); i++) {
                com.google.gson.JsonElement r = read != null && read.isJsonArray() && read.getAsJsonArray().size() > i ? read.getAsJsonArray().get(i) : null;
                if (r == null) out.add(object + ": " + path + "[" + i + "]");
                else missing(written.getAsJsonArray().get(i), r, path + "[" + i + "]", object, out);
            }
        }
    }
}
