package dev.kpf.cli.logging;

import ch.qos.logback.classic.Level;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's logs as a log pipeline reads them: one record per line whatever the message holds (line breaks,
 * quotes, an exception, a java.util.logging record from a library), every text field key=value and splittable
 * back, JSON from logback's encoder, libbpf's chatter only when debugging, and no record for a thread interrupted
 * at shutdown.
 */
class LogSetupTest {
    @TempDir
    Path dir;

    @AfterEach
    void quiet() {
        new LogSetup(Level.WARN, LogSetup.Format.TEXT, Optional.empty()).apply();
    }

    private List<String> logSome(LogSetup.Format format, Level level) throws Exception {
        Path file = dir.resolve("log-" + format + "-" + level);
        new LogSetup(level, format, Optional.of(file)).apply();
        org.slf4j.Logger kpf = LoggerFactory.getLogger("kpf.agent");
        kpf.atInfo().setMessage("synced").addKeyValue("frontends", 69).addKeyValue("took_ms", "1.2").log();
        kpf.atWarn().setMessage("sync error").addKeyValue("object", "Service shop/web").addKeyValue("error", "map \"kpf_services\" is full\nsecond line").log();
        kpf.atError().setMessage("sync failed").setCause(new IllegalStateException("outer", new java.io.IOException("inner"))).log();
        kpf.atError().setMessage("stopped").setCause(new RuntimeException("informer", new InterruptedException("shutdown"))).log();
        java.util.logging.Logger.getLogger("okhttp3.OkHttpClient").warning("a connection was leaked\nsecond line of the JUL record");
        LoggerFactory.getLogger("libbpf").warn("Kernel error message: Parent Qdisc doesn't exists");
        kpf.atDebug().setMessage("conntrack sweep").addKeyValue("scanned", 10).log();
        return Files.readAllLines(file);
    }

    private static final Pattern FIELD = Pattern.compile("([a-z_]+)=(\"(?:[^\"\\\\]++|\\\\.)*+\"|\\S+)");

    /** Splits a text record back into its fields; fails on anything that is not key=value. */
    private static Map<String, String> fields(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = FIELD.matcher(line);
        int at = 0;
        while (m.find()) {
            assertEquals(at, m.start(), "only key=value fields, space-separated: " + line);
            String v = m.group(2);
            out.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1).replace("\\n", "\n").replace("\\\"", "\"") : v);
            at = m.end() + 1;
        }
        assertEquals(line.length() + 1, at, "the whole line is fields: " + line);
        return out;
    }

    @Test
    void text_records_are_one_line_of_key_value_fields_with_a_timestamp() throws Exception {
        List<String> lines = logSome(LogSetup.Format.TEXT, Level.INFO);
        assertEquals(4, lines.size(), "synced, sync error, sync failed, the JUL record; no libbpf, no debug, no interrupted thread: " + lines);
        List<Map<String, String>> records = lines.stream().map(LogSetupTest::fields).toList();
        for (Map<String, String> r : records) {
            assertEquals(List.of("time", "level", "logger", "msg"), List.copyOf(r.keySet()).subList(0, 4), r.toString());
            assertTrue(java.time.Instant.parse(r.get("time")).isAfter(java.time.Instant.now().minusSeconds(60)), r.toString());
        }
        assertEquals(Map.of("time", records.get(0).get("time"), "level", "INFO", "logger", "agent", "msg", "synced", "frontends", "69", "took_ms", "1.2"),
                records.get(0));
        assertEquals("map \"kpf_services\" is full\nsecond line", records.get(1).get("error"), "quotes and line breaks survive the round trip");
        assertEquals("java.lang.IllegalStateException: outer; caused by java.io.IOException: inner", records.get(2).get("error"));
        assertFalse(records.get(2).containsKey("stack"), "frames only when debugging");
        assertEquals("WARN", records.get(3).get("level"));
        assertEquals("a connection was leaked\nsecond line of the JUL record", records.get(3).get("msg"), "java.util.logging arrives as one record");
    }

    @Test
    void json_records_come_from_logbacks_encoder_one_object_per_line() throws Exception {
        List<String> lines = logSome(LogSetup.Format.JSON, Level.INFO);
        assertEquals(4, lines.size(), lines.toString());
        JsonObject synced = JsonParser.parseString(lines.get(0)).getAsJsonObject();
        assertEquals("INFO", synced.get("level").getAsString());
        assertEquals("kpf.agent", synced.get("loggerName").getAsString());
        assertEquals("synced", synced.get("formattedMessage").getAsString());
        assertTrue(synced.get("timestamp").getAsLong() > 0);
        assertEquals("69", synced.getAsJsonArray("kvpList").get(0).getAsJsonObject().get("frontends").getAsString());
        JsonObject failed = JsonParser.parseString(lines.get(2)).getAsJsonObject();
        assertEquals("java.lang.IllegalStateException", failed.getAsJsonObject("throwable").get("className").getAsString());
        for (String line : lines) JsonParser.parseString(line).getAsJsonObject();
    }

    @Test
    void debug_shows_kpfs_own_debug_libbpf_and_stack_frames() throws Exception {
        List<String> lines = logSome(LogSetup.Format.TEXT, Level.DEBUG);
        assertTrue(lines.stream().anyMatch(l -> l.contains("logger=libbpf")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.contains("msg=\"conntrack sweep\" scanned=10")), lines.toString());
        assertTrue(lines.stream().map(LogSetupTest::fields).anyMatch(r -> r.getOrDefault("stack", "").contains("LogSetupTest.logSome")), lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.contains("InterruptedException")), "an interrupted thread is not an error, also when debugging");
    }

    @Test
    void levels_and_formats_are_read_as_the_flags_take_them() {
        assertEquals(Optional.of(Level.DEBUG), LogSetup.level("DEBUG"));
        assertEquals(Optional.of(Level.WARN), LogSetup.level("warn"));
        assertEquals(Optional.empty(), LogSetup.level("loud"), "picocli rejects it with the valid values");
        assertEquals(Optional.of(LogSetup.Format.JSON), LogSetup.format("json"));
        assertEquals(Optional.empty(), LogSetup.format("xml"));
    }
}
