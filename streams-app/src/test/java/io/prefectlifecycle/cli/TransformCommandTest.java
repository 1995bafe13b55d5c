package io.prefectlifecycle.cli;

import io.prefectlifecycle.avro.AvroInput;
import io.prefectlifecycle.golden.GoldenCasesTest;
import io.prefectlifecycle.registry.ApicurioRegistry;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code transform} is the offline form of the topology: on every golden case it prints the same bytes. */
class TransformCommandTest {

    static Stream<Path> cases() throws IOException {
        return GoldenCasesTest.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void printsTheGoldenEventsAndDeadLetters(Path caseDir) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(caseDir.resolve("input.jsonl"))) {
            int status = new TransformCommand().transform(in, out, err, GoldenCasesTest.environment(caseDir));
            assertEquals(0, status);
        }
        assertGolden(caseDir, out, err);
    }

    /** Records an Avro converter wrote, as key_base64/value_base64, read through a real registry (Apicurio 2.6). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void avroInputThroughTheRegistryGivesTheSameEvents(Path caseDir) throws IOException {
        ApicurioRegistry registry = ApicurioRegistry.shared();
        SchemaRegistryClient client = new SchemaRegistryClient(registry.ccompatUrl());
        String avroLines = Files.readAllLines(caseDir.resolve("input.jsonl"), StandardCharsets.UTF_8).stream()
                .filter(line -> !line.isBlank())
                .map(line -> AvroInput.asAvroLine(client, line))
                .collect(Collectors.joining("\n"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        TransformCommand command = command("--schema-registry-url", registry.ccompatUrl().toString());
        int status = command.transform(new ByteArrayInputStream(avroLines.getBytes(StandardCharsets.UTF_8)), out, err,
                GoldenCasesTest.environment(caseDir));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertGolden(caseDir, out, err);
    }

    @Test
    void anAvroRecordWithoutARegistryIsADeadLetterSayingSo() throws IOException {
        String line = "{\"topic\":\"prefect.public.variable\",\"key\":null,\"value_base64\":\"AAAAAAcCBAY=\"}";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, new TransformCommand().transform(new ByteArrayInputStream(line.getBytes(StandardCharsets.UTF_8)),
                out, err, Map.of()));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("\"reason\":\"Avro value: schema id 7: no schema "
                + "registry is configured (schema.registry.url)\""), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void avroOutputIsRefusedWithTheReason() throws IOException {
        for (String flag : List.of("--format", "--event-format")) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = command(flag, "avro").transform(new ByteArrayInputStream(new byte[0]),
                    new ByteArrayOutputStream(), err, Map.of());
            assertEquals(2, status);
            assertEquals("transform: --format avro: transform prints JSON lines only; Avro events are binary (run and "
                    + "replay write them with --format avro; tail prints them as JSON)",
                    err.toString(StandardCharsets.UTF_8).strip());
        }
    }

    private static TransformCommand command(String... args) {
        TransformCommand command = new TransformCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    private static void assertGolden(Path caseDir, ByteArrayOutputStream out, ByteArrayOutputStream err)
            throws IOException {
        String expected = Files.readString(caseDir.resolve("expected.jsonl"), StandardCharsets.UTF_8).strip();
        assertEquals(expected, out.toString(StandardCharsets.UTF_8).strip());
        Path deadLetters = caseDir.resolve("expected-dead-letters.txt");
        List<String> reasons = err.toString(StandardCharsets.UTF_8).lines()
                .map(line -> line.replaceAll("^.*\"reason\":\"(.*)\",\"exception_class\".*$", "$1")
                        .replace("\\\"", "\""))
                .toList();
        assertEquals(Files.exists(deadLetters) ? Files.readAllLines(deadLetters) : List.of(), reasons);
    }
}
