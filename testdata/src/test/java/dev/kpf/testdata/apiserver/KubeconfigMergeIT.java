package dev.kpf.testdata.apiserver;

import dev.kpf.dataplane.source.Kubeconfig;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.util.KubeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: kubeconfig resolved as kubectl resolves it: $KUBECONFIG's files merged (the first to name an entry or a
 * current-context wins), --context, $HOME, relative file references against their own file; a real client from the
 * merged configuration reaches the fake API server.
 */
class KubeconfigMergeIT {
    @TempDir
    Path dir;

    @Test
    void the_kubeconfig_list_merges_as_kubectl_merges_it() throws Exception {
        try (FakeApiServer api = FakeApiServer.start(0)) {
            Path real = api.writeKubeconfig(dir.resolve("real.yaml"));
            String realContext = KubeConfig.loadKubeConfig(Files.newBufferedReader(real)).getCurrentContext();
            // a second file: the same context name pointing elsewhere (it must lose), its own context, and a current-context (it must lose)
            Files.createDirectories(dir.resolve("other"));
            Files.writeString(dir.resolve("other/ca.crt"), "not read in this test");
            Path other = Files.writeString(dir.resolve("other/config"), """
                    apiVersion: v1
                    kind: Config
                    current-context: elsewhere
                    clusters:
                    - name: shadowed
                      cluster:
                        server: https://192.0.2.1:6443
                        certificate-authority: ca.crt
                    contexts:
                    - name: %s
                      context: {cluster: shadowed, user: nobody}
                    - name: elsewhere
                      context: {cluster: shadowed, user: nobody}
                    users:
                    - name: nobody
                      user: {token: t}
                    """.formatted(realContext));
            String list = real + java.io.File.pathSeparator + dir.resolve("missing.yaml") + java.io.File.pathSeparator + other;
            Kubeconfig merged = Kubeconfig.resolve(Optional.empty(), Optional.empty(), Map.of("KUBECONFIG", list)).orElseThrow();
            assertEquals(List.of(real, other), merged.files(), "a file of the list that does not exist is skipped");
            KubeConfig loaded = merged.load();
            assertEquals(realContext, loaded.getCurrentContext(), "the first current-context wins");
            assertEquals(api.url(), loaded.getServer(), "the first file's context of that name wins");
            // the real client reaches the fake API server through the merged configuration
            assertTrue(new CoreV1Api(merged.client()).listNamespacedService("default").execute().getItems() != null);

            KubeConfig elsewhere = new Kubeconfig(merged.files(), Optional.of("elsewhere")).load();
            assertEquals("https://192.0.2.1:6443", elsewhere.getServer());
            assertEquals(dir.resolve("other/ca.crt").toString(), elsewhere.getCertificateAuthorityFile(), "relative to the file that names it");

            IOException unknown = assertThrows(IOException.class, () -> new Kubeconfig(merged.files(), Optional.of("prod")).load());
            assertTrue(unknown.getMessage().startsWith("context prod is not in kubeconfig ") && unknown.getMessage().contains("elsewhere"), unknown.getMessage());
        }
    }

    @Test
    void home_is_the_environments_and_the_flag_comes_first() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home/.kube")).getParent();
        Files.writeString(home.resolve(".kube/config"), "apiVersion: v1\nkind: Config\n");
        assertEquals(List.of(home.resolve(".kube/config")), Kubeconfig.resolve(Optional.empty(), Optional.empty(), Map.of("HOME", home.toString()))
                .orElseThrow().files());
        assertEquals(Optional.empty(), Kubeconfig.resolve(Optional.empty(), Optional.empty(), Map.of("HOME", dir.resolve("nobody").toString())),
                "no kubeconfig: in-cluster");
        Path flag = dir.resolve("flag.yaml");
        assertEquals(List.of(flag), Kubeconfig.resolve(Optional.of(flag), Optional.empty(), Map.of("KUBECONFIG", "x", "HOME", home.toString()))
                .orElseThrow().files());
    }
}
