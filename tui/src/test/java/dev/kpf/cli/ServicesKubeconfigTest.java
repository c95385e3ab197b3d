package dev.kpf.cli;

import dev.kpf.testdata.apiserver.FakeApiServer;
import dev.kpf.testdata.demo.DemoCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: `kpf services` reads the API as kubectl would: an unreachable server is a kubectl-like error within
 * seconds (it waited 30 s), --context picks the context, and an unknown context names the ones there are.
 */
class ServicesKubeconfigTest {
    private static String kubeconfig(String context, String server) {
        return """
                apiVersion: v1
                kind: Config
                current-context: %1$s
                clusters:
                - name: %1$s
                  cluster: {server: "%2$s", insecure-skip-tls-verify: true}
                contexts:
                - name: %1$s
                  context: {cluster: %1$s, user: u}
                users:
                - name: u
                  user: {token: t}
                """.formatted(context, server);
    }

    @Test
    void an_unreachable_server_fails_within_seconds_with_kubectls_words(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        Path config = Files.writeString(dir.resolve("dead"), kubeconfig("dead", "https://127.0.0.1:" + port));
        long t0 = System.nanoTime();
        CommandRun run = CommandRun.of("services", "--kubeconfig", config.toString());
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(2, run.exitCode(), run.out());
        assertTrue(run.err().startsWith("kpf services: The connection to the server 127.0.0.1:" + port
                + " was refused - did you specify the right host or port?"), run.err());
        assertTrue(millis < 10_000, "failed after " + millis + " ms (the whole read was allowed 30 s)");
    }

    /** A server that accepts connections and never answers (a black hole, a wedged proxy) fails within seconds too. */
    @Test
    void a_server_that_never_answers_fails_within_seconds(@TempDir Path dir) throws Exception {
        try (ServerSocket hole = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            // never accepted: the kernel completes the handshakes, nobody reads or writes
            Path config = Files.writeString(dir.resolve("hole"), kubeconfig("hole", "https://127.0.0.1:" + hole.getLocalPort()));
            long t0 = System.nanoTime();
            CommandRun run = CommandRun.of("services", "--kubeconfig", config.toString());
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(2, run.exitCode(), run.out());
            assertTrue(run.err().startsWith("kpf services: Unable to connect to the server 127.0.0.1:" + hole.getLocalPort()
                    + ": no answer within 5 s (it accepted the connection; is it an API server?)"), run.err());
            assertTrue(millis < 10_000, "failed after " + millis + " ms (the whole read was allowed 30 s)");
        }
    }

    @Test
    void context_picks_another_than_the_current_one(@TempDir Path dir) throws Exception {
        try (FakeApiServer api = FakeApiServer.start(0)) {
            DemoCluster.objects(DemoCluster.Variant.KUBE_PROXY_FREE).forEach(api.store()::put);
            // the current context points nowhere; --context names the real one
            Path config = Files.writeString(dir.resolve("config"), """
                    apiVersion: v1
                    kind: Config
                    current-context: nowhere
                    clusters:
                    - name: nowhere
                      cluster: {server: "https://192.0.2.1:6443"}
                    - name: real
                      cluster: {server: "%s", insecure-skip-tls-verify: true}
                    contexts:
                    - name: nowhere
                      context: {cluster: nowhere, user: u}
                    - name: real
                      context: {cluster: real, user: u}
                    users:
                    - name: u
                      user: {token: t}
                    """.formatted(api.url()));
            CommandRun real = CommandRun.of("services", "--kubeconfig", config.toString(), "--context", "real", "--node-name", "node-a");
            assertEquals(0, real.exitCode(), real.err());
            assertTrue(real.out().contains("default/kubernetes:https"), real.out());
            CommandRun missing = CommandRun.of("services", "--kubeconfig", config.toString(), "--context", "prod");
            assertEquals(2, missing.exitCode());
            assertTrue(missing.err().contains("context prod is not in kubeconfig") && missing.err().contains("(contexts: nowhere, real)"), missing.err());
        }
    }
}
