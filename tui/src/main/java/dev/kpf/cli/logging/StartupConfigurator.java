package dev.kpf.cli.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusListener;

import java.util.Optional;

/**
 * Logback's configuration before {@link LogSetup} replaces it (found through {@code META-INF/services}): kpf's own
 * text layout on stderr at info, and nothing else. Without it logback searched for configuration files, set up its
 * default console layout and, having no status listener, loaded its status printer: both make a date formatter,
 * which loads the time-zone database and locale data, for a configuration {@code Main} throws away at once. Logback's
 * own warnings and errors reach stderr ({@link #STDERR}), also after {@link LogSetup#apply} reset the context (before,
 * an appender that could not open its file after that reset went unreported). Code that logs without {@code Main}
 * (tests) gets this configuration.
 */
public final class StartupConfigurator extends ContextAwareBase implements Configurator {
    /** Prints logback's own warnings and errors (a bad appender, say) to stderr; kept through resets. */
    static final StatusListener STDERR = new StatusListener() {
        @Override
        public void addStatusEvent(Status status) {
            if (status.getEffectiveLevel() >= Status.WARN) System.err.println("logback: " + status);
        }

        @Override
        public boolean isResetResistant() {
            return true;
        }
    };

    /** Configures the fresh context (not reset: a listener given with {@code -Dlogback.statusListenerClass} stays). */
    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        new LogSetup(Level.INFO, LogSetup.Format.TEXT, Optional.empty()).configure(ctx, false);
        for (Status s : ctx.getStatusManager().getCopyOfStatusList()) STDERR.addStatusEvent(s);
        ctx.getStatusManager().add(STDERR);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
