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

    /** A client for {@code kubeconfig}; watches need no read timeout, so it is off. */
    public static ApiClient fromKubeconfig(Path kubeconfig) throws IOException {
        try (Reader r = Files.newBufferedReader(kubeconfig)) {
            KubeConfig config = KubeConfig.loadKubeConfig(r);
            config.setFile(kubeconfig.toFile());
            return withoutReadTimeout(ClientBuilder.kubeconfig(config).build());
        }
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

    static ApiClient withoutReadTimeout(ApiClient client) {
        client.setHttpClient(client.getHttpClient().newBuilder().readTimeout(0, TimeUnit.SECONDS).build());
        return client;
    }
}
