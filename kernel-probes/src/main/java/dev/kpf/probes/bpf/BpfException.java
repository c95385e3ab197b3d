package dev.kpf.probes.bpf;

import java.util.Optional;

/**
 * The one exception the BPF layer throws: what was being done to which object, the errno (with its symbolic name),
 * libbpf's message for it, and what the operator can do about it. Example message:
 * {@code load object kpf_test.bpf.o: EPERM (Operation not permitted); remedy: run as root ...}.
 */
public final class BpfException extends RuntimeException {
    private final String operation;
    private final String object;
    private final int errno;
    private final String libbpfMessage;
    private final String remedy;
    private final String detail;

    BpfException(String operation, String object, int errno, String libbpfMessage, String remedy, String detail) {
        super(format(operation, object, errno, libbpfMessage, remedy));
        this.operation = operation;
        this.object = object;
        this.errno = Math.abs(errno);
        this.libbpfMessage = libbpfMessage;
        this.remedy = remedy;
        this.detail = detail;
    }

    /**
     * A failure of {@code operation} on {@code object} with {@code errno}, for maps that stand in for the kernel's
     * (in-memory maps of tests that inject the kernel's errors).
     */
    public static BpfException of(String operation, String object, int errno) {
        return new BpfException(operation, object, errno, "", "", null);
    }

    private static String format(String operation, String object, int errno, String message, String remedy) {
        StringBuilder b = new StringBuilder().append(operation).append(' ').append(object).append(": ")
                .append(Errno.name(errno));
        if (message != null && !message.isBlank()) b.append(" (").append(message).append(')');
        if (remedy != null && !remedy.isBlank()) b.append("; remedy: ").append(remedy);
        return b.toString();
    }

    /** What was attempted, e.g. {@code "pin map"}. */
    public String operation() { return operation; }

    /** The object it was attempted on: a program, map, path or cgroup. */
    public String object() { return object; }

    /** The positive errno or libbpf error code. */
    public int errno() { return errno; }

    /** The symbolic errno name, e.g. {@code ENOENT}. */
    public String errnoName() { return Errno.name(errno); }

    /** libbpf's text for the error. */
    public String libbpfMessage() { return libbpfMessage; }

    /** What to do about it; empty when there is no general advice. */
    public String remedy() { return remedy; }

    /** Extra evidence, such as the tail of the verifier log. */
    public Optional<String> detail() { return Optional.ofNullable(detail).filter(s -> !s.isBlank()); }
}
