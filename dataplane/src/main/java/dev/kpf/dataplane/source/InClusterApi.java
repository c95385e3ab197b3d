package dev.kpf.dataplane.source;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.TokenFileAuthentication;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * How an agent in a pod reaches the API server. By default a pod goes through the {@code kubernetes} Service's
 * ClusterIP ({@code KUBERNETES_SERVICE_HOST}), which on a node without kube-proxy only kpf itself translates: a
 * fresh node, or any node after a reboot (the pins live in memory), would never sync. So the agent takes the API
 * server's own address ({@link #SETTING}, environment {@link #ENV}; the DaemonSet fills it from ConfigMap
 * {@code kube-system/kpf-agent}, key {@code KPF_K8S_API_SERVER}), as Cilium's {@code k8sServiceHost} does; without it, errors
 * reaching the server name the setting ({@link #unreachableHint}).
 *
 * @param server          the API server's URL the client uses
 * @param throughService  whether that is the kubernetes Service (no direct address was given)
 * @param serviceAccount  the pod's service account directory (token, ca.crt)
 */
public record InClusterApi(URI server, boolean throughService, Path serviceAccount) {
    public static final String SETTING = "--k8s-api-server";
    public static final String ENV = "KPF_K8S_API_SERVER";
    public static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    /**
     * The API server to use from a pod: {@code direct} when given (HOST:PORT, [IPv6]:PORT, or an https:// or http://
     * URL), else the kubernetes Service from {@code env}.
     *
     * @throws IllegalArgumentException naming the setting, when {@code direct} is malformed or there is neither
     */
    public static InClusterApi resolve(Optional<String> direct, Map<String, String> env, Path serviceAccount) {
        if (direct.isPresent() && !direct.get().isBlank()) return new InClusterApi(parse(direct.get().strip()), false, serviceAccount);
        String host = env.get("KUBERNETES_SERVICE_HOST"), port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("no kubeconfig found ($KUBECONFIG, ~/.kube/config) and not running in a pod "
                    + "(KUBERNETES_SERVICE_HOST is not set): pass --kubeconfig FILE or set KUBECONFIG (a pod's service account with the API "
                    + "server's own address: " + ENV + "=HOST:PORT)");
        }
        return new InClusterApi(parse(host + ":" + port), true, serviceAccount);
    }

    private static URI parse(String text) {
        String url = text.contains("://") ? text : "https://" + (text.indexOf(':') != text.lastIndexOf(':') && !text.startsWith("[")
                ? bracketed(text) : text);
        try {
            URI uri = new URI(url);
            boolean scheme = "https".equals(uri.getScheme()) || "http".equals(uri.getScheme());
            if (!scheme || uri.getHost() == null || uri.getPort() < 1 || !(uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))) {
                throw new IllegalArgumentException("bad address");
            }
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), null, null, null);
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw new IllegalArgumentException(SETTING + " " + text + ": use the API server's own address as HOST:PORT, [IPv6]:PORT or "
                    + "https://HOST:PORT (e.g. 10.200.0.2:6443; the environment variable " + ENV + " works too)");
        }
    }

    /** "fd00::1:6443" without brackets: the last colon separates the port. */
    private static String bracketed(String text) {
        int colon = text.lastIndexOf(':');
        return "[" + text.substring(0, colon) + "]" + text.substring(colon);
    }

    /** A client with the service account's token (re-read as it rotates) and CA; watches need no read timeout. */
    public ApiClient client() throws IOException {
        ClientBuilder builder = new ClientBuilder().setBasePath(server.toString())
                .setAuthentication(new TokenFileAuthentication(serviceAccount.resolve("token").toString()));
        Path ca = serviceAccount.resolve("ca.crt");
        if (Files.isReadable(ca)) builder.setCertificateAuthority(Files.readAllBytes(ca));
        return KubeClients.withoutReadTimeout(builder.build());
    }

    /** What the source says it reads from. */
    public String description() {
        return "in-cluster, " + server.getHost() + ":" + server.getPort() + (throughService ? " (the kubernetes Service)" : " (" + SETTING + ")");
    }

    /**
     * Added to errors reaching the server when it is reached through the kubernetes Service: the cause that is
     * likely on a node without kube-proxy, and the setting that removes it. Empty with a direct address.
     */
    public Optional<String> unreachableHint() {
        if (!throughService) return Optional.empty();
        return Optional.of("the API server is reached through the kubernetes Service " + server.getHost() + ":" + server.getPort()
                + ", which on a node without kube-proxy nothing translates until kpf has synced: set " + SETTING + " HOST:PORT (or "
                + ENV + "; in deploy/kpf.yaml: ConfigMap kube-system/kpf-agent, key KPF_K8S_API_SERVER) to the API server's own address");
    }
}
