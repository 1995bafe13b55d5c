package io.prefectlifecycle.cli;

import io.prefectlifecycle.avro.AvroInput;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.testdata.GoldenCases;
import io.prefectlifecycle.testsupport.ApicurioRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.prefectlifecycle.cli.TransformCommandTest.assertGolden;
import static io.prefectlifecycle.cli.TransformCommandTest.command;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code transform} on Avro input: every golden case's records as an Avro converter writes them, same events. */
class TransformAvroInputIT {

    static Stream<Path> cases() throws IOException {
        return GoldenCases.cases();
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
        TransformCommand command =
                command("--schema-registry-url", registry.ccompatUrl().toString());
        int status = command.transform(
                new ByteArrayInputStream(avroLines.getBytes(StandardCharsets.UTF_8)),
                out,
                err,
                GoldenCases.environment(caseDir));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertGolden(caseDir, out, err);
    }
}
