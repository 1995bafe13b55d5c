package io.prefectlifecycle.local;

import io.prefectlifecycle.cli.Main;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local jar's command line: the production jar's {@code local ...}, with {@code local} optional. */
class LocalCommandLineTest {

    private static final String URL = "http://registry:8081";

    @Test
    void aBadValueIsOneLineAsInEveryCommand() {
        StringWriter err = new StringWriter();
        CommandLine main = Main.withSharedHandling(new LocalMain());
        main.setErr(new PrintWriter(err, true));
        assertEquals(2, main.execute("local", "--emit-snapshot-reads=maybe"));
        assertEquals(
                List.of("local: --emit-snapshot-reads 'maybe' must be true or false"),
                err.toString().lines().toList());
    }

    @Test
    void anUnknownOptionPointsAtLocalsHelp() {
        StringWriter err = new StringWriter();
        CommandLine main = Main.withSharedHandling(new LocalMain());
        main.setErr(new PrintWriter(err, true));
        assertEquals(2, main.execute(LocalMain.withLocalCommand(new String[] {"--bogus"})));
        assertEquals(
                List.of("local: unknown option '--bogus'; see local --help"),
                err.toString().lines().toList());
    }

    @Test
    void localHelpShowsExamples() {
        StringWriter out = new StringWriter();
        Main.withSharedHandling(new LocalMain())
                .getSubcommands()
                .get("local")
                .usage(new PrintWriter(out), CommandLine.Help.Ansi.OFF);
        assertTrue(out.toString().contains("\nExamples:\n  local "), out.toString());
    }

    @Test
    void theLocalCommandMayBeLeftOut() {
        assertArrayEquals(new String[] {"local", "--demo"}, LocalMain.withLocalCommand(new String[] {"--demo"}));
        assertArrayEquals(new String[] {"local"}, LocalMain.withLocalCommand(new String[0]));
        assertArrayEquals(
                new String[] {"local", "--demo"}, LocalMain.withLocalCommand(new String[] {"local", "--demo"}));
        assertArrayEquals(new String[] {"version"}, LocalMain.withLocalCommand(new String[] {"version"}));
        assertArrayEquals(new String[] {"--help"}, LocalMain.withLocalCommand(new String[] {"--help"}));
    }

    @Test
    void localRefusesAvroWithoutARegistryBeforeStartingAnything() {
        LocalCommand local = new LocalCommand();
        new CommandLine(local).parseArgs("--format", "avro");
        assertEquals(
                Optional.of("local: --format avro needs --schema-registry-url (or PREFECT_CDC_SCHEMA_REGISTRY_URL); "
                        + "local starts no schema registry: give the Confluent-compatible URL of one you run"),
                local.optionsProblem(Map.of()));
        LocalCommand withUrl = new LocalCommand();
        new CommandLine(withUrl).parseArgs("--format", "avro", "--schema-registry-url", URL);
        assertEquals(Optional.empty(), withUrl.optionsProblem(Map.of()));
    }
}
