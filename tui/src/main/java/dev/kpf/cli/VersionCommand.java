package dev.kpf.cli;

import dev.kpf.probes.bpf.Libbpf;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code kpf version}: kpf's version and the runtime it found. */
@Command(name = "version", description = "Print the kpf version, the commit it was built from, the Java runtime and the libbpf in use.")
final class VersionCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--json", description = "As JSON (schema kpf.version/v1).")
    boolean json;

    /** The build's commit (git.properties, written by the build from the checkout; absent in a tree without .git). */
    static java.util.Properties git() {
        java.util.Properties p = new java.util.Properties();
        try (var in = VersionCommand.class.getResourceAsStream("git.properties")) {
            if (in != null) p.load(in);
        } catch (java.io.IOException e) {
            // no commit to report
        }
        return p;
    }

    static String commit() {
        java.util.Properties g = git();
        String id = g.getProperty("git.commit.id");
        if (id == null || id.isBlank()) return "unknown";
        return id + ("true".equals(g.getProperty("git.dirty")) ? " (with uncommitted changes)" : "");
    }

    static String kpfVersion() {
        String v = KpfCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    static String[] lines() {
        return new String[] {
                "kpf " + kpfVersion(),
                "commit " + commit(),
                "java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
                "libbpf " + Libbpf.version().orElse("unavailable"),
                "os " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")};
    }

    @Override
    public Integer call() {
        if (json) {
            java.util.Properties g = git();
            java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>();
            doc.put("schema", "kpf.version/v1");
            doc.put("version", kpfVersion());
            doc.put("commit", g.getProperty("git.commit.id"));
            doc.put("commitTime", g.getProperty("git.commit.time"));
            doc.put("dirty", g.getProperty("git.dirty") == null ? null : Boolean.valueOf(g.getProperty("git.dirty")));
            doc.put("java", Runtime.version().toString());
            doc.put("javaVendor", System.getProperty("java.vendor"));
            doc.put("libbpf", Libbpf.version().orElse(null));
            doc.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
            spec.commandLine().getOut().println(new com.google.gson.GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(doc));
            return ExitCodes.OK;
        }
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
