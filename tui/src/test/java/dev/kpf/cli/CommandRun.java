package dev.kpf.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the kpf command line with its exit code, stdout and stderr. */
record CommandRun(int exitCode, String out, String err) {
    static CommandRun of(String... args) {
        Main.logSetup(args).apply();
        CommandLine cl = KpfCommand.commandLine(args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new CommandRun(code, out.toString(), err.toString());
    }

    /** Output with what differs between machines and runs (timings, the libbpf version) replaced. */
    String normalizedOut() {
        return out.replaceAll("libbpf \\d+\\.\\d+", "libbpf N.N")
                .replaceAll("\"libbpf\": \"[^\"]*\"", "\"libbpf\": \"N.N\"")
                .replaceAll("in \\d+ ms\\)", "in N ms)")
                .replaceAll("\"elapsedMillis\": \\d+", "\"elapsedMillis\": 0")
                .replace(Golden.fixture("x").getParent().toString(), "testdata/hosts");
    }
}
