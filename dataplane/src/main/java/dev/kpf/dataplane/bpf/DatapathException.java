package dev.kpf.dataplane.bpf;

/** The datapath cannot be used as it is; the message names the cause and the fix. */
public final class DatapathException extends RuntimeException {
    public DatapathException(String message, Throwable cause) {
        super(message, cause);
    }
}
