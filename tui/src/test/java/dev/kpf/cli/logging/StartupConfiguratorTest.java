package dev.kpf.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Before {@code Main} sets up logging, logback takes kpf's own start-up configuration: kpf's text layout on stderr,
 * no other configurator after it, and a status listener, so that logback neither builds its default layout nor
 * loads its status printer (each makes a date formatter, which loads the time-zone database: milliseconds of every
 * command's cold start). Logback's own errors reach stderr, also once {@code Main} has replaced the configuration.
 */
class StartupConfiguratorTest {
    @Test
    void logback_finds_the_start_up_configuration_through_its_service_file() {
        assertTrue(ServiceLoader.load(Configurator.class).stream().anyMatch(p -> p.type() == StartupConfigurator.class),
                "META-INF/services/ch.qos.logback.classic.spi.Configurator names StartupConfigurator");
    }

    @Test
    void it_logs_with_kpfs_layout_to_stderr_and_stops_logbacks_own_search() {
        LoggerContext ctx = new LoggerContext();
        assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, new StartupConfigurator().configure(ctx));
        ConsoleAppender<ILoggingEvent> stderr = (ConsoleAppender<ILoggingEvent>) ctx.getLogger("ROOT").getAppender("stderr");
        assertEquals("System.err", stderr.getTarget());
        assertInstanceOf(KeyValueLayout.class, ((LayoutWrappingEncoder<ILoggingEvent>) stderr.getEncoder()).getLayout());
        // with a status listener present, logback's provider does not print statuses through its status printer
        assertTrue(ctx.getStatusManager().getCopyOfStatusListenerList().contains(StartupConfigurator.STDERR));
    }

    @Test
    void logbacks_own_errors_reach_stderr_also_after_main_replaced_the_configuration(@TempDir Path dir) throws Exception {
        Path notADirectory = Files.createFile(dir.resolve("plain-file"));
        Path logFile = notADirectory.resolve("kpf.log");
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            LoggerContext ctx = new LoggerContext();
            new StartupConfigurator().configure(ctx);
            // what Main does next (kpf tui logs to a file): the reset keeps the listener, the file cannot be opened
            new LogSetup(Level.INFO, LogSetup.Format.TEXT, Optional.of(logFile)).apply(ctx);
        } finally {
            System.setErr(original);
        }
        String err = captured.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains("logback: ERROR") && err.contains(logFile.toString()), err);
    }
}
