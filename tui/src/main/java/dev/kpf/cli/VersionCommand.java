package dev.kpf.cli;

import dev.kpf.probes.bpf.Libbpf;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code kpf version}: kpf's version and the runtime it found. */
@Command(name = "version", description = "Print the kpf version, the Java runtime and the libbpf in use.")
final class VersionCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static String kpfVersion() {
        String v = KpfCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    static String[] lines() {
        return new String[] {
                "kpf " + kpfVersion(),
                "java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
                "libbpf " + Libbpf.version().orElse("unavailable"),
                "os " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")};
    }

    @Override
    public Integer call() {
        for (String l : lines()) spec.commandLine().getOut().println(l);
        return ExitCodes.OK;
    }

    /** Backs {@code kpf --version}. */
    static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return lines();
        }
    }
}
