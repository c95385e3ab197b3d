package dev.kpf.dataplane.bpf;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an iproute2 command with {@code -j} and returns its JSON list: device detection and the routing table. */
final class IpJson {
    private IpJson() {}

    /** The command's JSON list (empty output: none); an IOException naming the command when it fails or prints no list. */
    static List<JsonElement> run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", command) + " failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        try {
            return out.isBlank() ? List.of() : JsonParser.parseString(out).getAsJsonArray().asList();
        } catch (RuntimeException e) {
            throw new IOException(String.join(" ", command) + " printed no JSON list (iproute2 with -j is needed): " + e.getMessage(), e);
        }
    }
}
