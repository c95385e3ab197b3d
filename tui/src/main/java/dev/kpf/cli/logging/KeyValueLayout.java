package dev.kpf.cli.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.LayoutBase;
import org.slf4j.event.KeyValuePair;

import java.time.Instant;

/**
 * The text format: one record per line, every field {@code key=value}, values quoted when they hold a space, a
 * quote or an equals sign (quotes, backslashes and line breaks escaped), so that a line splits back into its fields:
 * <pre>time=2026-12-02T21:30:00.123Z level=INFO logger=Agent msg=synced frontends=63 took_ms=4.1</pre>
 * An error's cause chain follows as {@code error="Type: message; caused by Type: message"}; the frames only at
 * debug (as {@code stack=...}, still one line).
 */
public final class KeyValueLayout extends LayoutBase<ILoggingEvent> {
    private final boolean stacks;

    public KeyValueLayout(boolean stacks) {
        this.stacks = stacks;
    }

    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(160);
        b.append("time=").append(Instant.ofEpochMilli(e.getTimeStamp()));
        b.append(" level=").append(e.getLevel());
        String logger = e.getLoggerName();
        b.append(" logger=").append(logger.substring(logger.lastIndexOf('.') + 1));
        field(b, "msg", e.getFormattedMessage());
        if (e.getKeyValuePairs() != null) {
            for (KeyValuePair kv : e.getKeyValuePairs()) field(b, kv.key, String.valueOf(kv.value));
        }
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            StringBuilder chain = new StringBuilder();
            StringBuilder frames = new StringBuilder();
            for (IThrowableProxy c = t; c != null; c = c.getCause()) {
                if (!chain.isEmpty()) chain.append("; caused by ");
                chain.append(c.getClassName()).append(": ").append(c.getMessage());
                if (stacks && c.getStackTraceElementProxyArray() != null) {
                    for (var frame : c.getStackTraceElementProxyArray()) frames.append(frames.isEmpty() ? "" : " < ").append(frame.getStackTraceElement());
                }
            }
            field(b, "error", chain.toString());
            if (stacks) field(b, "stack", frames.toString());
        }
        return b.append('\n').toString();
    }

    private static void field(StringBuilder b, String key, String value) {
        b.append(' ').append(key).append('=');
        boolean quote = value.isEmpty() || value.chars().anyMatch(ch -> ch <= ' ' || ch == '"' || ch == '=' || ch == '\\');
        if (!quote) {
            b.append(value);
            return;
        }
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '"', '\\' -> b.append('\\').append(ch);
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(ch);
            }
        }
        b.append('"');
    }
}
