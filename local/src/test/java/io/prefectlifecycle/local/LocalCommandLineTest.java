package io.prefectlifecycle.local;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The local jar's command line: the production jar's {@code local ...}, with {@code local} optional. */
class LocalCommandLineTest {

    private static final String URL = "http://registry:8081";

    @Test
    void theLocalCommandMayBeLeftOut() {
        assertArrayEquals(new String[] {"local", "--demo"}, LocalMain.withLocalCommand(new String[] {"--demo"}));
        assertArrayEquals(new String[] {"local"}, LocalMain.withLocalCommand(new String[0]));
        assertArrayEquals(new String[] {"local", "--demo"}, LocalMain.withLocalCommand(new String[] {"local", "--demo"}));
        assertArrayEquals(new String[] {"version"}, LocalMain.withLocalCommand(new String[] {"version"}));
        assertArrayEquals(new String[] {"--help"}, LocalMain.withLocalCommand(new String[] {"--help"}));
    }

    @Test
    void localRefusesAvroWithoutARegistryBeforeStartingAnything() {
        LocalCommand local = new LocalCommand();
        new CommandLine(local).parseArgs("--format", "avro");
        assertEquals(Optional.of("local: --format avro needs --schema-registry-url (or PREFECT_CDC_SCHEMA_REGISTRY_URL); "
                + "local starts no schema registry: give the Confluent-compatible URL of one you run"),
                local.optionsProblem(Map.of()));
        LocalCommand withUrl = new LocalCommand();
        new CommandLine(withUrl).parseArgs("--format", "avro", "--schema-registry-url", URL);
        assertEquals(Optional.empty(), withUrl.optionsProblem(Map.of()));
    }

}
