package dev.kpf.cli.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.status.ErrorStatus;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Before {@code Main} sets up logging, logback takes kpf's own start-up configuration: kpf's text layout on stderr,
 * no other configurator after it, and a status listener, so that logback neither builds its default layout nor
 * loads its status printer (each makes a date formatter, which loads the time-zone database: milliseconds of every
 * command's cold start). Logback's own errors still reach stderr.
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
    void logbacks_own_errors_still_reach_stderr() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            LoggerContext ctx = new LoggerContext();
            new StartupConfigurator().configure(ctx);
            ctx.getStatusManager().add(new ErrorStatus("appender [file] failed to open /nonexistent/kpf.log", this));
        } finally {
            System.setErr(original);
        }
        assertTrue(captured.toString(StandardCharsets.UTF_8).contains("logback: ERROR in"), captured.toString(StandardCharsets.UTF_8));
    }
}
