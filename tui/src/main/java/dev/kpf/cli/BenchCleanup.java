package dev.kpf.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What every benchmark does on its way out: stops the processes it started and removes its hook and temporary directory. */
final class BenchCleanup {
    private BenchCleanup() {}

    /** Kills each process (SIGKILL) and waits for it, at most 30 s each. */
    static void stop(List<Process> processes) {
        for (Process p : new ArrayList<>(processes)) {
            p.destroyForcibly();
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    /** Removes the shutdown hook (unless it is running) and the files of {@code dir}, then {@code dir}. */
    static void finish(Thread hook, Path dir) throws java.io.IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running
        }
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }
}
