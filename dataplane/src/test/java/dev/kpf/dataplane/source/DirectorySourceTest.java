package dev.kpf.dataplane.source;

import dev.kpf.dataplane.model.ClusterState;
import dev.kpf.dataplane.model.ObjectRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A directory source reloads on change and never loses the objects of a file that turned malformed. */
class DirectorySourceTest {
    private static String service(String name, String ip) {
        return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name + ", namespace: app}\nspec:\n  clusterIP: " + ip
                + "\n  ports: [{name: http, port: 80}]\n";
    }

    private static void write(Path file, String text, int tick) throws Exception {
        Files.writeString(file, text);
        // modification times are what the source compares: make each write distinct even within one millisecond
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_700_000_000_000L + tick * 1000L));
    }

    /**
     * A source asked to prefetch reads the directory at once (an agent loads its BPF programs meanwhile); start
     * publishes what that read found, and a change made in between comes with the next poll.
     */
    @Test
    void a_prefetched_directory_is_read_before_start_and_published_at_start(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.yaml");
        write(a, service("web", "10.96.0.1"), 1);
        LinkedBlockingQueue<ClusterState> states = new LinkedBlockingQueue<>();
        try (DirectorySource source = new DirectorySource(dir, Duration.ofMillis(50), Clock.systemUTC())) {
            source.prefetch();
            for (int i = 0; i < 250 && !source.firstReadDone(); i++) Thread.sleep(20);
            assertTrue(source.firstReadDone(), "read within 5 s of prefetch, before start");
            Files.delete(a);
            source.start(states::add);
            ClusterState first = states.poll(5, TimeUnit.SECONDS);
            assertNotNull(first);
            assertTrue(first.services().containsKey(ObjectRef.service("app", "web")), "what prefetch read: " + first.services());
            ClusterState next = states.poll(5, TimeUnit.SECONDS);
            assertNotNull(next, "the deletion is picked up");
            assertEquals(0, next.services().size());
        }
    }

    @Test
    void reloads_changes_and_keeps_the_last_good_objects_of_a_malformed_file(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.yaml");
        write(a, service("web", "10.96.0.1"), 1);
        LinkedBlockingQueue<ClusterState> states = new LinkedBlockingQueue<>();
        try (DirectorySource source = new DirectorySource(dir, Duration.ofMillis(50), Clock.systemUTC())) {
            source.start(states::add);
            ClusterState first = states.poll(5, TimeUnit.SECONDS);
            assertNotNull(first);
            assertTrue(first.services().containsKey(ObjectRef.service("app", "web")));

            write(dir.resolve("b.yaml"), service("api", "10.96.0.2"), 2);
            ClusterState second = states.poll(5, TimeUnit.SECONDS);
            assertNotNull(second, "a new file is picked up");
            assertEquals(2, second.services().size());

            write(a, "apiVersion: v1\nkind: Service\nmetadata: {name: web\n", 3);
            ClusterState third = states.poll(5, TimeUnit.SECONDS);
            assertNotNull(third);
            assertTrue(third.services().containsKey(ObjectRef.service("app", "web")), "a malformed edit keeps web");
            assertTrue(third.problems().stream().anyMatch(p -> p.message().contains("keeping its last good objects")), third.problems().toString());
            assertTrue(source.status().lastError().isPresent());

            Files.delete(dir.resolve("b.yaml"));
            ClusterState fourth = states.poll(5, TimeUnit.SECONDS);
            assertNotNull(fourth);
            assertEquals(1, fourth.services().size(), "a deleted file's objects go");
            assertNull(states.poll(300, TimeUnit.MILLISECONDS), "nothing changed: nothing published");
        }
    }
}
