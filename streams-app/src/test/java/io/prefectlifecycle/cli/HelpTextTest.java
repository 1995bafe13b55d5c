package io.prefectlifecycle.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --help} is wrapped by picocli, at spaces only: no line wider than the help, no name such as
 * {@code prefect.lifecycle-events.replay} or a URL broken across lines, no paragraph broken by hand.
 */
class HelpTextTest {

    /** Words that a break after '.', ':' or '/' used to split: dotted names, URLs, paths, times. */
    private static final Pattern NAME =
            Pattern.compile("[^\\s,;()'\"`]*[A-Za-z0-9>*][.:/][A-Za-z0-9<{*/][^\\s,;()'\"`]*");

    @Test
    void everyNameInEveryCommandsHelpIsWholeOnOneLine() {
        int checked = 0;
        for (CommandLine command : commands()) {
            String help = help(command);
            for (String name : names(command.getCommandSpec())) {
                checked++;
                assertTrue(
                        help.contains(name),
                        () -> command.getCommandName() + " --help breaks '" + name + "':\n" + help);
            }
        }
        assertTrue(checked > 50, checked + " names checked");
    }

    @Test
    void noLineIsWiderThanTheHelpUnlessItIsOneWord() {
        for (CommandLine command : commands()) {
            int width = command.getCommandSpec().usageMessage().width();
            for (String line : help(command).lines().toList()) {
                assertTrue(
                        line.length() <= width || !line.strip().contains(" "),
                        () -> command.getCommandName() + " --help: " + line.length() + " columns: " + line);
            }
        }
    }

    @Test
    void examplesAreLinesAsWrittenThatFitTheHelp() {
        for (CommandLine command : commands()) {
            int width = command.getCommandSpec().usageMessage().width();
            for (String line : command.getCommandSpec().usageMessage().footer()) {
                assertTrue(
                        !line.startsWith("  ") || line.length() <= width,
                        () -> command.getCommandName() + ": an example line wider than the help: " + line);
            }
        }
    }

    @Test
    void descriptionsAreParagraphsThatPicocliWraps() {
        for (CommandLine command : commands()) {
            String[] description = command.getCommandSpec().usageMessage().description();
            for (String paragraph : description) {
                // a paragraph broken by hand ends in the middle of a sentence and the next one goes on in lower case
                assertTrue(
                        paragraph.isEmpty() || paragraph.matches("(?s).*[.:)]$") || paragraph.length() < 60,
                        () -> command.getCommandName() + ": '" + paragraph + "' reads as a line broken by hand");
            }
            assertTrue(
                    description.length > 0 && description[0].endsWith("."),
                    () -> command.getCommandName() + ": the first paragraph is the summary in the command list");
        }
    }

    @Test
    void runShowsExamplesAsTailAndReplayDo() {
        for (String name : List.of("run", "tail", "replay", "forward", "parity")) {
            String help = help(Main.commandLine().getSubcommands().get(name));
            assertTrue(help.contains("\nExamples:\n  " + name + " "), () -> name + " --help has examples:\n" + help);
        }
    }

    @Test
    void theTopLevelListsEachCommandWithItsWholeSummary() {
        String help = help(Main.commandLine());
        for (CommandLine command : commands()) {
            if (command.getCommandSpec().parent() != null) {
                String summary = command.getCommandSpec().usageMessage().description()[0];
                assertTrue(help.replaceAll("\\s+", " ").contains(summary), () -> summary + "\n" + help);
            }
        }
    }

    private static List<CommandLine> commands() {
        CommandLine main = Main.commandLine();
        List<CommandLine> all = new ArrayList<>(List.of(main));
        main.getSubcommands().values().stream()
                .filter(command -> !command.getCommandSpec().usageMessage().hidden())
                .forEach(all::add);
        return all;
    }

    private static String help(CommandLine command) {
        StringWriter out = new StringWriter();
        command.usage(new PrintWriter(out), CommandLine.Help.Ansi.OFF);
        return out.toString();
    }

    /** The names written in a command's description, footer and option descriptions. */
    private static Set<String> names(CommandSpec spec) {
        List<String> texts = new ArrayList<>(List.of(spec.usageMessage().description()));
        texts.addAll(List.of(spec.usageMessage().footer()));
        for (OptionSpec option : spec.options()) {
            texts.addAll(List.of(option.description()));
        }
        Set<String> names = new LinkedHashSet<>();
        for (String text : texts) {
            Matcher m = NAME.matcher(text.replace("${DEFAULT-VALUE}", ""));
            while (m.find()) {
                String name = m.group().replaceAll("[.:]+$", "");
                if (name.length() < 60) { // longer ones are single words wider than a line: picocli breaks those
                    names.add(name);
                }
            }
        }
        return names;
    }

    @Test
    void namesAreFoundAsTheyAreWritten() {
        Matcher m = NAME.matcher(
                "Default: prefect.lifecycle-events.replay. See http://<host>:8080/apis and <prefix>.<schema>.");
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group().replaceAll("[.:]+$", ""));
        }
        assertEquals(List.of("prefect.lifecycle-events.replay", "http://<host>:8080/apis", "<prefix>.<schema>"), found);
    }
}
