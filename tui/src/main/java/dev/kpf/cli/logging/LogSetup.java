package dev.kpf.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Context;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where kpf's logs go and how they look: stderr (a command's output stays clean) or, for the TUI, a file; text
 * ({@link KeyValueLayout}) or JSON (logback's own {@link JsonEncoder}); one record per line either way. java.util.logging
 * (used by some libraries) is routed through the same appender. libbpf's messages (expected failures of feature
 * probes among them) and the Kubernetes client's informer internals are shown at debug only; a thread interrupted
 * at shutdown is not an error and is never shown.
 *
 * @param level  the root level
 * @param format text or json
 * @param file   a file instead of stderr
 */
public record LogSetup(Level level, Format format, Optional<Path> file) {
    public enum Format { TEXT, JSON }

    /** kpf's own loggers. */
    private static final List<String> KPF = List.of("kpf", "dev.kpf");

    /** Loggers whose messages are expected noise unless one is debugging. */
    private static final List<String> DEBUG_ONLY = List.of("libbpf", "io.kubernetes.client.informer.cache.Controller",
            "io.kubernetes.client.informer.cache.ProcessorListener", "io.kubernetes.client.informer.cache.ReflectorRunnable");

    /** Parses a level name as the flag takes it (error, warn, info, debug, trace; any case), or empty. */
    public static Optional<Level> level(String name) {
        if (name == null) return Optional.empty();
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "error", "warn", "info", "debug", "trace", "off" -> Optional.of(Level.toLevel(name));
            default -> Optional.empty();
        };
    }

    public static Optional<Format> format(String name) {
        if (name == null) return Optional.empty();
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "text" -> Optional.of(Format.TEXT);
            case "json" -> Optional.of(Format.JSON);
            default -> Optional.empty();
        };
    }

    /** Replaces the whole logging configuration of this process with this one. */
    public void apply() {
        apply((LoggerContext) LoggerFactory.getILoggerFactory());
    }

    /**
     * Replaces {@code ctx}'s configuration with this one, java.util.logging routed through it. The reset keeps
     * {@link StartupConfigurator#STDERR}, so logback's own errors (an appender that cannot open its file) are shown.
     */
    void apply(LoggerContext ctx) {
        ctx.reset();
        configure(ctx, true);
    }

    /**
     * Configures {@code ctx}, fresh or just reset; {@code julBridge} also routes java.util.logging through it (which
     * initialises the JDK's LogManager: {@link StartupConfigurator} leaves that to {@link #apply}).
     */
    void configure(LoggerContext ctx, boolean julBridge) {
        if (julBridge) {
            LevelChangePropagator jul = new LevelChangePropagator();
            jul.setContext(ctx);
            jul.setResetJUL(true);
            ctx.addListener(jul);
            jul.start();
        }

        OutputStreamAppender<ILoggingEvent> appender = file.<OutputStreamAppender<ILoggingEvent>>map(f -> {
            FileAppender<ILoggingEvent> a = new FileAppender<>();
            a.setFile(f.toString());
            a.setAppend(true);
            return a;
        }).orElseGet(() -> {
            ConsoleAppender<ILoggingEvent> a = new ConsoleAppender<>();
            a.setTarget("System.err");
            return a;
        });
        appender.setContext(ctx);
        appender.setName(file.isPresent() ? "file" : "stderr");
        appender.setEncoder(encoder(ctx));
        Filter<ILoggingEvent> interrupted = new InterruptedAtShutdown();
        interrupted.setContext(ctx);
        interrupted.start();
        appender.addFilter(interrupted);
        appender.start();

        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        // kpf's own loggers take the level; the libraries' (and the JDK's) go one step less deep: debug is kpf's
        // debugging, trace also the libraries'
        boolean debugging = level.toInt() <= Level.DEBUG.toInt();
        root.setLevel(level == Level.TRACE ? Level.DEBUG : debugging ? Level.INFO : level);
        for (String name : KPF) ctx.getLogger(name).setLevel(level);
        for (String name : DEBUG_ONLY) ctx.getLogger(name).setLevel(debugging ? level : Level.OFF);

        if (julBridge && !SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    private Encoder<ILoggingEvent> encoder(Context ctx) {
        if (format == Format.JSON) {
            JsonEncoder json = new JsonEncoder();
            json.setContext(ctx);
            // what a log pipeline needs: time, level, logger, thread, the message, key-value pairs, the error
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithMDC(false);
            json.setWithMarkers(false);
            json.setWithMessage(false);
            json.setWithFormattedMessage(true);
            json.setWithArguments(false);
            json.start();
            return json;
        }
        LayoutWrappingEncoder<ILoggingEvent> text = new LayoutWrappingEncoder<>();
        text.setContext(ctx);
        KeyValueLayout layout = new KeyValueLayout(level.toInt() <= Level.DEBUG.toInt());
        layout.setContext(ctx);
        layout.start();
        text.setLayout(layout);
        text.start();
        return text;
    }

    /** Drops records caused by an interrupted thread: how the client's informers report being stopped. */
    static final class InterruptedAtShutdown extends Filter<ILoggingEvent> {
        @Override
        public FilterReply decide(ILoggingEvent e) {
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                if (t.getClassName().equals(InterruptedException.class.getName())
                        || t.getClassName().equals(java.io.InterruptedIOException.class.getName())) return FilterReply.DENY;
            }
            return FilterReply.NEUTRAL;
        }
    }
}
