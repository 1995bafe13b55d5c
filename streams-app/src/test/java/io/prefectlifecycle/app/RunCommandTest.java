package io.prefectlifecycle.app;

import io.prefectlifecycle.cli.RunCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code run}'s flags are the declarations, and {@code run} is the default command. */
class RunCommandTest {

    @Test
    void everySettingIsAFlagWhoseHelpNamesItsVariableAndDefault() {
        StringWriter help = new StringWriter();
        CommandLine run = new CommandLine(new RunCommand());
        run.usage(new PrintWriter(help));
        String text = help.toString().replaceAll("\\s+", " ");
        for (Setting setting : Setting.values()) {
            assertTrue(
                    text.contains(setting.flag() + "=") || text.contains(setting.flag() + "[="),
                    setting.flag() + " in\n" + help);
            assertTrue(text.contains("Env " + setting.env() + "."), setting.env() + " in\n" + help);
            if (!setting.defaultValue().isEmpty()) {
                assertTrue(text.contains("Default: " + setting.defaultValue() + "."), setting.defaultValue());
            }
        }
    }

    @Test
    void flagsAreReadAsWritten() {
        CommandLine run = new CommandLine(new RunCommand());
        CommandLine.ParseResult parsed = run.parseArgs(
                "--bootstrap-servers",
                "k:9092",
                "--processing-guarantee=twice",
                "--emit-snapshot-reads",
                "--http-port",
                "0");
        assertEquals(
                Map.of(
                        Setting.BOOTSTRAP_SERVERS,
                        "k:9092",
                        Setting.PROCESSING_GUARANTEE,
                        "twice",
                        Setting.EMIT_SNAPSHOT_READS,
                        "true",
                        Setting.HTTP_PORT,
                        "0"),
                RunCommand.flags(parsed));
        assertEquals(
                Map.of(Setting.EMIT_SNAPSHOT_READS, "false"),
                RunCommand.flags(new CommandLine(new RunCommand()).parseArgs("--emit-snapshot-reads=false")));
    }

    @Test
    void formatIsTheFlagOfEventFormatAndEventFormatItsAlias() {
        for (String flag : new String[] {"--format", "--event-format"}) {
            CommandLine.ParseResult parsed = new CommandLine(new RunCommand()).parseArgs(flag, "avro");
            assertEquals(Map.of(Setting.EVENT_FORMAT, "avro"), RunCommand.flags(parsed), flag);
        }
    }

    @Test
    void runIsTheDefaultCommand() {
        assertArrayEquals(new String[] {"run"}, RunCommand.withDefaultCommand(new String[0]));
        assertArrayEquals(
                new String[] {"run", "--http-port", "0"},
                RunCommand.withDefaultCommand(new String[] {"--http-port", "0"}));
        assertArrayEquals(
                new String[] {"run", "--http-port=0"}, RunCommand.withDefaultCommand(new String[] {"--http-port=0"}));
        assertArrayEquals(new String[] {"transform"}, RunCommand.withDefaultCommand(new String[] {"transform"}));
        assertArrayEquals(new String[] {"run", "-h"}, RunCommand.withDefaultCommand(new String[] {"run", "-h"}));
        assertArrayEquals(new String[] {"--help"}, RunCommand.withDefaultCommand(new String[] {"--help"}));
        assertArrayEquals(new String[] {"--version"}, RunCommand.withDefaultCommand(new String[] {"--version"}));
    }

    @Test
    void anInvalidSettingExitsWithTwoNamingIt() {
        StringWriter err = new StringWriter();
        CommandLine run = new CommandLine(new RunCommand());
        run.setErr(new PrintWriter(err));
        assertEquals(2, run.execute("--processing-guarantee=twice"));
        assertTrue(
                err.toString()
                        .contains("processing.guarantee: 'twice' from flag --processing-guarantee must be one of "
                                + "exactly_once_v2, at_least_once"),
                err.toString());
    }
}
