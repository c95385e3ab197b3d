package dev.kpf.dataplane.source;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** API clients for the sources: from a kubeconfig file, or in-cluster from the pod's service account. */
public final class KubeClients {
    private KubeClients() {}

    /** A client for one kubeconfig file and its current context (see {@link Kubeconfig}). */
    public static ApiClient fromKubeconfig(Path kubeconfig) throws IOException {
        return new Kubeconfig(java.util.List.of(kubeconfig), java.util.Optional.empty()).client();
    }

    /**
     * The in-cluster client (service account token and CA of the pod), to the API server's own address when
     * {@link InClusterApi#ENV} names it, else through the kubernetes Service.
     */
    public static ApiClient inCluster() throws IOException {
        try {
            return InClusterApi.resolve(java.util.Optional.ofNullable(System.getenv(InClusterApi.ENV)), System.getenv(), InClusterApi.SERVICE_ACCOUNT).client();
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Watches need no read timeout, so it is off; connecting gives up after {@link #CONNECT_TIMEOUT} (an unreachable
     * server is an error within seconds, as with kubectl).
     */
    static ApiClient withoutReadTimeout(ApiClient client) {
        client.setHttpClient(client.getHttpClient().newBuilder().readTimeout(0, TimeUnit.SECONDS)
                .connectTimeout(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).build());
        return client;
    }

    public static final java.time.Duration CONNECT_TIMEOUT = java.time.Duration.ofSeconds(5);
}
