package io.prefectlifecycle.cli;

import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.replay.ReplayOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Avro settings of the client commands are {@code run}'s: the same flags (with {@code --event-format} as the alias
 * of {@code --format}), the same {@code PREFECT_CDC_*} variables, a flag winning over its variable, the same checks.
 */
class ClientCommandOptionsTest {

    private static final String URL = "http://registry:8081";

    @Test
    void replayTakesTheFormatAndRegistryFromFlagsOrTheEnvironmentAsRunDoes() throws Exception {
        ReplayOptions fromFlags = replay(
                        "--format", "avro", "--schema-registry-url", URL, "--schema-registry-auto-register=false")
                .options(Map.of());
        assertEquals(EventFormat.AVRO, fromFlags.settings().eventFormat());
        assertEquals(
                URI.create(URL),
                fromFlags.settings().schemaRegistry().orElseThrow().url());
        assertFalse(fromFlags.settings().schemaRegistry().orElseThrow().autoRegister());

        ReplayOptions fromEnv =
                replay().options(Map.of("PREFECT_CDC_EVENT_FORMAT", "avro", "PREFECT_CDC_SCHEMA_REGISTRY_URL", URL));
        assertEquals(EventFormat.AVRO, fromEnv.settings().eventFormat());
        assertTrue(fromEnv.settings().schemaRegistry().orElseThrow().autoRegister());

        ReplayOptions flagWins = replay("--event-format", "json").options(Map.of("PREFECT_CDC_EVENT_FORMAT", "avro"));
        assertEquals(EventFormat.JSON, flagWins.settings().eventFormat());
        assertEquals(Optional.empty(), flagWins.settings().schemaRegistry());
        assertEquals(EventFormat.JSON, replay().options(Map.of()).settings().eventFormat(), "the default");
    }

    @Test
    void badValuesAreNamedAsRunNamesThemWithoutThePassword() {
        IllegalArgumentException noRegistry = assertThrows(
                IllegalArgumentException.class, () -> replay("--format", "avro").options(Map.of()));
        assertEquals(
                "--format avro needs --schema-registry-url (or PREFECT_CDC_SCHEMA_REGISTRY_URL)",
                noRegistry.getMessage());
        IllegalArgumentException badFormat = assertThrows(
                IllegalArgumentException.class, () -> replay().options(Map.of("PREFECT_CDC_EVENT_FORMAT", "protobuf")));
        assertEquals(
                "event.format: 'protobuf' from environment variable PREFECT_CDC_EVENT_FORMAT must be json or avro",
                badFormat.getMessage());
        IllegalArgumentException badUrl = assertThrows(
                IllegalArgumentException.class,
                () -> replay("--schema-registry-url", "ftp://user:secret@registry")
                        .options(Map.of()));
        assertEquals(
                "schema.registry.url: 'ftp://***@registry' from flag --schema-registry-url must be an "
                        + "http(s)://host[:port][/path] URL",
                badUrl.getMessage());
    }

    private static ReplayCommand replay(String... args) {
        ReplayCommand command = new ReplayCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }
}
