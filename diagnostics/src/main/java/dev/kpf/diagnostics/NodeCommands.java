package dev.kpf.diagnostics;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the node's own tools (iptables-save, nft, ip) under a prefix ({@code ip netns exec NS} in tests, nothing on
 * a node), each bounded in time. A non-zero exit or a timeout is an {@link IOException} naming the command.
 */
public record NodeCommands(List<String> prefix, Duration timeout) {
    public NodeCommands {
        prefix = List.copyOf(prefix);
    }

    public NodeCommands(List<String> prefix) {
        this(prefix, Duration.ofSeconds(10));
    }

    public static boolean onPath(String command) {
        for (String dir : (System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) return true;
        }
        return false;
    }

    /** Runs the command and returns its standard output; standard error is dropped. */
    public String run(List<String> command) throws IOException {
        Output o = capture(command);
        if (o.exit() != 0) throw new IOException(String.join(" ", command) + " exited " + o.exit());
        return o.out();
    }

    /** How a command ended: its exit code and both outputs. */
    public record Output(int exit, String out, String err) {}

    /** Runs the command and returns how it ended, whatever its exit code; a timeout is still an IOException. */
    public Output capture(List<String> command) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(command);
        // output goes to files so a tool that hangs cannot block the read; the wait below bounds the run
        Path out = Files.createTempFile("kpf-cmd", ".out");
        Path err = Files.createTempFile("kpf-cmd", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", command) + " timed out after " + timeout.toSeconds() + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException(String.join(" ", command) + " interrupted");
            }
            return new Output(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
