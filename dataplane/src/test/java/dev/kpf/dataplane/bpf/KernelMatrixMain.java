package dev.kpf.dataplane.bpf;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.util.Arrays;

/**
 * Runs kernel test classes in one JVM without Maven, for scripts/kernel-matrix.sh inside a VM booted with another
 * kernel. One line per test: {@code KPF-MATRIX <kernel> <class> <test> pass|fail|skip <reason>} (a class whose set-up
 * failed is one line with test "(class)"). Class names are simple names in this package.
 */
public final class KernelMatrixMain {
    private KernelMatrixMain() {}

    public static void main(String[] args) {
        String kernel = System.getProperty("os.version");
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(Arrays.stream(args).map(c -> DiscoverySelectors.selectClass(KernelMatrixMain.class.getPackageName() + "." + c)).toList())
                .build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                print(kernel, id, "skip", reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                boolean failed = result.getStatus() != TestExecutionResult.Status.SUCCESSFUL;
                if (id.isTest() || (failed && id.getSource().filter(s -> s instanceof org.junit.platform.engine.support.descriptor.ClassSource).isPresent())) {
                    String why = result.getThrowable().map(t -> t.getClass().getSimpleName() + ": " + t.getMessage()).orElse("");
                    // where it failed, for the log (the table keeps the message only)
                    if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                        result.getThrowable().ifPresent(t -> java.util.Arrays.stream(t.getStackTrace())
                                .filter(f -> f.getClassName().startsWith("dev.kpf.")).limit(6)
                                .forEach(f -> System.out.println("KPF-MATRIX-AT " + f)));
                    }
                    print(kernel, id, switch (result.getStatus()) {
                        case SUCCESSFUL -> "pass";
                        case ABORTED -> "skip";
                        case FAILED -> "fail";
                    }, why);
                }
            }
        });
        System.out.println("KPF-MATRIX-DONE " + kernel);
    }

    private static void print(String kernel, TestIdentifier id, String status, String reason) {
        String cls, test;
        if (id.getSource().orElse(null) instanceof MethodSource m) {
            cls = m.getClassName().substring(m.getClassName().lastIndexOf('.') + 1);
            test = m.getMethodName() + (id.getDisplayName().startsWith(m.getMethodName()) ? "" : " [" + id.getDisplayName() + "]");
        } else {
            cls = id.getDisplayName();
            test = "(class)";
        }
        String line = reason == null ? "" : reason.replaceAll("\\s+", " ");
        System.out.println("KPF-MATRIX " + kernel + " " + cls + " " + test.replace(' ', '_') + " " + status + " " + (line.length() > 300 ? line.substring(0, 300) + "..." : line));
        System.out.flush();
    }
}
