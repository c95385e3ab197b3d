package dev.kpf.dataplane.bpf;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** The command line of a second JVM for a kernel test: this JVM's java and class path, and its compiler settings. */
final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * {@code java [this JVM's -XX:TieredStopAtLevel] OPTIONS -cp CLASSPATH MAIN ARGS}. The kernel matrix's guests run
     * their JVM with C1 only (scripts/kernel-matrix.sh): under qemu's TCG the tracer JVMs that {@link TraceKernelIT}
     * started with C2 crashed at start twice in the runs on record (SIGSEGV in the 5.10 guest), while the JVM that
     * runs the tests never did; a child compiles as its parent was told to.
     */
    static List<String> command(List<String> options, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("-XX:TieredStopAtLevel=")).forEach(cmd::add);
        cmd.addAll(options);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
