package dev.kpf.cli;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace a benchmark creates for itself, removed on {@link #close()} and also on Ctrl-C or SIGTERM,
 * together with the processes started in it (a long iptables-restore must not outlive the run).
 */
final class BenchNamespace implements AutoCloseable {
    final String name;
    private final List<Process> processes = new ArrayList<>();
    private final Thread hook = new Thread(this::remove);

    private BenchNamespace(String name) {
        this.name = name;
    }

    static BenchNamespace create(String name) throws Exception {
        run(List.of("ip", "netns", "add", name), 30);
        BenchNamespace ns = new BenchNamespace(name);
        Runtime.getRuntime().addShutdownHook(ns.hook);
        return ns;
    }

    /** The command prefix that runs a program inside this namespace. */
    List<String> exec() {
        return List.of("ip", "netns", "exec", name);
    }

    /** Starts {@code command} inside the namespace; it is killed when the namespace goes. */
    synchronized Process start(List<String> command, ProcessBuilder.Redirect output) throws Exception {
        List<String> cmd = new ArrayList<>(exec());
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        processes.add(p);
        return p;
    }

    private synchronized void remove() {
        BenchCleanup.stop(processes);
        try {
            run(List.of("ip", "netns", "del", name), 120);
        } catch (Exception gone) {
            // already removed
        }
    }

    @Override
    public void close() {
        remove();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running
        }
    }

    /** Runs a command to completion (bounded), failing on a non-zero exit. */
    static void run(List<String> cmd, int seconds) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " timed out");
        }
        if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed with exit " + p.exitValue());
    }
}
