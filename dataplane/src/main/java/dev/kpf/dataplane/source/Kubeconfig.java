package dev.kpf.dataplane.source;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A kubeconfig as kubectl resolves it: {@code --kubeconfig FILE}; else every file of {@code $KUBECONFIG} (separated
 * by ':'; files that do not exist are skipped), merged as kubectl merges them: the first file that names a cluster, a
 * user or a context wins, and so does the first {@code current-context}; else {@code $HOME/.kube/config}; else none
 * (in a pod: the service account). {@code --context} picks another context than the current one. A file named in an
 * entry (certificate-authority, client-certificate, client-key, tokenFile, a relative exec command) is resolved against
 * the file that holds the entry.
 *
 * @param files   the files, in the order they merge
 * @param context the context to use; empty: the merged current-context
 */
public record Kubeconfig(List<Path> files, Optional<String> context) {
    public Kubeconfig {
        files = List.copyOf(files);
        if (files.isEmpty()) throw new IllegalArgumentException("a kubeconfig needs at least one file");
    }

    /** kubectl's order: the flag, $KUBECONFIG, $HOME/.kube/config; empty when none applies (in-cluster). */
    public static Optional<Kubeconfig> resolve(Optional<Path> explicit, Optional<String> context, Map<String, String> env) {
        if (explicit.isPresent()) return Optional.of(new Kubeconfig(List.of(explicit.get()), context));
        String list = env.get("KUBECONFIG");
        if (list != null && !list.isBlank()) {
            List<Path> files = new ArrayList<>();
            for (String f : list.split(File.pathSeparator)) {
                if (f.isBlank()) continue;
                Path p = Path.of(f.strip());
                if (Files.exists(p) && !files.contains(p)) files.add(p);
            }
            if (!files.isEmpty()) return Optional.of(new Kubeconfig(files, context));
            return Optional.of(new Kubeconfig(List.of(Path.of(list.split(File.pathSeparator)[0].strip())), context));
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        Path config = Path.of(home, ".kube", "config");
        return Files.exists(config) ? Optional.of(new Kubeconfig(List.of(config), context)) : Optional.empty();
    }

    /** For messages: the files (and the context when one was asked for). */
    public String describe() {
        return String.join(File.pathSeparator, files.stream().map(Path::toString).toList()) + context.map(c -> " (context " + c + ")").orElse("");
    }

    /** The merged configuration with its context selected. */
    @SuppressWarnings("unchecked")
    public KubeConfig load() throws IOException {
        Map<String, Object> clusters = new LinkedHashMap<>(), users = new LinkedHashMap<>(), contexts = new LinkedHashMap<>();
        String current = null;
        for (Path file : files) {
            if (!Files.isReadable(file)) throw new IOException("kubeconfig " + file + " does not exist or is unreadable");
            Object doc;
            try (Reader r = Files.newBufferedReader(file)) {
                doc = new Yaml(new LoaderOptions()).load(r);
            } catch (RuntimeException e) {
                throw new IOException("kubeconfig " + file + " is not valid YAML: " + e.getMessage(), e);
            }
            if (doc == null) continue;
            if (!(doc instanceof Map<?, ?> m)) throw new IOException("kubeconfig " + file + " is not a kubeconfig (a YAML mapping)");
            Path base = file.toAbsolutePath().getParent();
            merge((List<Object>) m.get("clusters"), "cluster", List.of("certificate-authority"), base, clusters);
            merge((List<Object>) m.get("users"), "user", List.of("client-certificate", "client-key", "tokenFile"), base, users);
            merge((List<Object>) m.get("contexts"), "context", List.of(), base, contexts);
            if (current == null && m.get("current-context") instanceof String c && !c.isBlank()) current = c;
        }
        KubeConfig config = new KubeConfig(new ArrayList<>(contexts.values()), new ArrayList<>(clusters.values()), new ArrayList<>(users.values()));
        String use = context.orElse(current);
        if (use == null) throw new IOException("kubeconfig " + describe() + " has no current-context: pass --context NAME (contexts: "
                + String.join(", ", contexts.keySet()) + ")");
        if (!contexts.containsKey(use) || !config.setContext(use)) {
            throw new IOException("context " + use + " is not in kubeconfig " + describe() + " (contexts: " + String.join(", ", contexts.keySet()) + ")");
        }
        return config;
    }

    /** Adds the named entries of one file that no earlier file named, with their file references made absolute. */
    @SuppressWarnings("unchecked")
    private static void merge(List<Object> entries, String kind, List<String> fileKeys, Path base, Map<String, Object> into) {
        if (entries == null) return;
        for (Object e : entries) {
            if (!(e instanceof Map<?, ?> entry) || !(entry.get("name") instanceof String name) || into.containsKey(name)) continue;
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) entry);
            if (copy.get(kind) instanceof Map<?, ?> body) {
                Map<String, Object> b = new LinkedHashMap<>((Map<String, Object>) body);
                for (String key : fileKeys) {
                    if (b.get(key) instanceof String f && !f.isBlank() && !Path.of(f).isAbsolute()) b.put(key, base.resolve(f).toString());
                }
                if (b.get("exec") instanceof Map<?, ?> exec && exec.get("command") instanceof String cmd && cmd.contains("/") && !Path.of(cmd).isAbsolute()) {
                    Map<String, Object> x = new LinkedHashMap<>((Map<String, Object>) exec);
                    x.put("command", base.resolve(cmd).toString());
                    b.put("exec", x);
                }
                copy.put(kind, b);
            }
            into.put(name, copy);
        }
    }

    /** A client for the selected context; watches need no read timeout, so it is off; connecting gives up after 5 s. */
    public ApiClient client() throws IOException {
        return KubeClients.withoutReadTimeout(ClientBuilder.kubeconfig(load()).build());
    }
}
