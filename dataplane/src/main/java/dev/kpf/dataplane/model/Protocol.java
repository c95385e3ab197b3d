package dev.kpf.dataplane.model;

import java.util.Locale;
import java.util.Optional;

/** Service protocols kube-proxy handles. Numbers are the IP protocol numbers the datapath keys on. */
public enum Protocol {
    TCP(6), UDP(17), SCTP(132);

    public final int number;

    Protocol(int number) {
        this.number = number;
    }

    /** Kubernetes spells these in upper case; an absent protocol means TCP. Empty for anything else. */
    public static Optional<Protocol> parse(String text) {
        if (text == null || text.isEmpty()) return Optional.of(TCP);
        try {
            return Optional.of(valueOf(text.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
