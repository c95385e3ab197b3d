package dev.kpf.dataplane.agent;

import dev.kpf.dataplane.source.ClusterSource;
import dev.kpf.dataplane.source.DirectorySource;
import dev.kpf.dataplane.source.InClusterApi;
import dev.kpf.dataplane.source.KubeClients;
import dev.kpf.dataplane.source.KubeSource;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** The sources an agent watches: the API server (through a kubeconfig, or in a pod) or a directory of YAML/JSON. */
public final class AgentSources {
    /** How often sources read everything again (repairing anything a watch missed). */
    public static final Duration RESYNC = Duration.ofMinutes(5);

    private AgentSources() {}

    /** A directory (or one file) of objects, polled every second. */
    public static ClusterSource directory(Path path) {
        if (!Files.exists(path)) throw new IllegalArgumentException("--source dir:" + path + ": " + path + " does not exist");
        return new DirectorySource(path, Duration.ofSeconds(1), Clock.systemUTC());
    }

    /**
     * The API server: through {@code kubeconfig} when there is one; in a pod through the API server's own address
     * ({@code apiServer}, e.g. from KPF_K8S_API_SERVER), else (warned: nothing translates the kubernetes Service's
     * ClusterIP on a node without kube-proxy before kpf has synced) through the pod's credentials as they are.
     */
    public static ClusterSource kube(Optional<dev.kpf.dataplane.source.Kubeconfig> kubeconfig, Optional<String> apiServer, Map<String, String> env,
                                     Duration minSyncInterval) throws IOException {
        if (kubeconfig.isPresent()) {
            return new KubeSource(kubeconfig.get().client(), kubeconfig.get().describe(), minSyncInterval, RESYNC, Clock.systemUTC());
        }
        InClusterApi api = InClusterApi.resolve(apiServer.filter(s -> !s.isBlank()), env, InClusterApi.SERVICE_ACCOUNT);
        if (api.throughService()) {
            LoggerFactory.getLogger(AgentSources.class).atWarn().setMessage("reaching the API server through the kubernetes Service: "
                    + "on a node without kube-proxy set --k8s-api-server to the API server's own address").addKeyValue("server", api.server()).log();
        }
        return new KubeSource(api.client(), api.description(), minSyncInterval, RESYNC, Clock.systemUTC()).withUnreachableHint(api.unreachableHint());
    }
}
