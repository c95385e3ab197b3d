package dev.kpf.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** version, help and shell completion. */
class CliBasicsTest {
    @Test
    void version_names_kpf_its_commit_java_and_libbpf() {
        CommandRun run = CommandRun.of("version");
        assertEquals(0, run.exitCode());
        String[] lines = run.out().split("\n");
        assertTrue(lines[0].startsWith("kpf "), run.out());
        assertTrue(lines[1].startsWith("commit "), run.out());
        assertTrue(lines[2].startsWith("java 25"), run.out());
        assertTrue(lines[3].startsWith("libbpf "), run.out());
    }

    @Test
    void help_lists_the_commands() {
        CommandRun run = CommandRun.of("--help");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("probe") && run.out().contains("version") && run.out().contains("completion"), run.out());
    }

    @Test
    void every_command_answers_help_with_its_options_and_exit_codes() {
        for (String command : java.util.List.of("tui", "probe", "doctor", "agent", "services", "trace", "bench", "version")) {
            CommandRun run = CommandRun.of(command, "--help");
            assertEquals(0, run.exitCode(), command + ": " + run.err());
            assertTrue(run.out().startsWith("Usage: kpf " + command), command + ": " + run.out());
            assertTrue(run.out().contains("-h, --help"), run.out());
        }
        assertTrue(CommandRun.of("trace", "--help").out().contains("Exit codes:"), "trace documents its exit codes");
    }

    @Test
    void bash_completion_completes_subcommands_and_options() {
        CommandRun run = CommandRun.of("completion", "bash");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("complete -F"), "registers a completion function");
        String top = run.out().lines().filter(l -> l.contains("local commands=\"tui probe")).findFirst().orElse("");
        for (String sub : java.util.List.of("tui", "probe", "doctor", "agent", "services", "demo", "bench", "version", "completion")) {
            assertTrue(top.contains(sub), "completes " + sub + ": " + top);
        }
        assertTrue(run.out().contains("--json") && run.out().contains("--root"), "knows probe's options");
    }

    @Test
    void zsh_completion_runs_the_bash_script_through_bashcompinit() {
        CommandRun run = CommandRun.of("completion", "zsh");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().startsWith("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n"));
        assertEquals(64, CommandRun.of("completion", "fish").exitCode());
    }
}
