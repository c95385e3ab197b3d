package dev.kpf.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 18: the command line's conventions: --help everywhere, suggestions for typos, a JSON version with the commit. */
class CliConventionsTest {
    private static void commands(CommandLine cl, List<List<String>> out, List<String> path) {
        for (var e : cl.getSubcommands().entrySet()) {
            if (!e.getValue().getCommandName().equals(e.getKey())) continue; // aliases once
            List<String> next = new ArrayList<>(path);
            next.add(e.getKey());
            out.add(next);
            commands(e.getValue(), out, next);
        }
    }

    @Test
    void each_subcommand_is_listed_under_its_own_name_and_a_command_line_naming_one_builds_only_that_one() {
        for (KpfCommand.Subcommand c : KpfCommand.SUBCOMMANDS) {
            assertEquals(c.name(), new CommandLine(c.make().get()).getCommandName(), c.name());
            java.util.Set<String> built = KpfCommand.commandLine(c.name(), "--help").getSubcommands().keySet();
            assertEquals(c.name().equals("completion") ? KpfCommand.SUBCOMMANDS.size() : 1, built.size(), c.name() + ": " + built);
        }
        // anything else gets them all: top-level options first, typos (for suggestions), no arguments
        for (String[] args : List.of(new String[] {"--debug", "probe"}, new String[] {"prob"}, new String[0])) {
            assertEquals(KpfCommand.SUBCOMMANDS.size(), KpfCommand.commandLine(args).getSubcommands().size(), List.of(args).toString());
        }
        assertEquals(0, CommandRun.of("--debug", "version").exitCode());
    }

    @Test
    void every_command_and_subcommand_answers_help() {
        List<List<String>> all = new ArrayList<>();
        commands(KpfCommand.commandLine(), all, List.of());
        assertTrue(all.contains(List.of("demo", "apiserver")) && all.contains(List.of("bench", "sync")), all.toString());
        for (List<String> command : all) {
            List<String> args = new ArrayList<>(command);
            args.add("--help");
            CommandRun run = CommandRun.of(args.toArray(String[]::new));
            assertEquals(0, run.exitCode(), String.join(" ", command) + " --help: " + run.err());
            assertTrue(run.out().startsWith("Usage: kpf " + String.join(" ", command)), String.join(" ", command) + ": " + run.out());
        }
    }

    /** Review of issue 18: every option that takes a value says what (N, SECONDS, PATH), never picocli's {@code <fieldName>}. */
    @Test
    void every_option_value_has_a_label_a_user_can_read() {
        List<String> raw = new ArrayList<>();
        java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(List.of(KpfCommand.commandLine()));
        while (!todo.isEmpty()) {
            CommandLine cl = todo.pop();
            todo.addAll(cl.getSubcommands().values());
            for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
                if (o.arity().max() > 0 && o.paramLabel().startsWith("<")) raw.add(cl.getCommandSpec().qualifiedName() + " " + o.longestName() + "=" + o.paramLabel());
            }
        }
        assertEquals(List.of(), raw);
    }

    @Test
    void typos_get_suggestions() {
        CommandRun run = CommandRun.of("prob");
        assertEquals(64, run.exitCode());
        assertEquals(List.of("kpf: Unmatched argument at index 0: 'prob'", "did you mean: probe?", "(see: kpf --help)"), run.err().lines().toList());
        CommandRun option = CommandRun.of("doctor", "--onyl", "node.facts");
        assertTrue(option.err().contains("did you mean: --only?"), option.err());
    }

    @Test
    void version_json_names_the_commit() {
        CommandRun run = CommandRun.of("version", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonObject doc = JsonParser.parseString(run.out()).getAsJsonObject();
        assertEquals("kpf.version/v1", doc.get("schema").getAsString());
        boolean checkout = java.nio.file.Files.isDirectory(java.nio.file.Path.of(System.getProperty("kpf.repoRoot", ".."), ".git"));
        if (checkout) assertTrue(doc.get("commit").getAsString().matches("[0-9a-f]{40}"), "built from a git checkout: " + doc);
        else assertTrue(doc.get("commit").isJsonNull(), "a tree without .git has no commit to name: " + doc);
        assertTrue(doc.has("java") && doc.has("libbpf") && doc.has("dirty"), doc.toString());
    }
}
