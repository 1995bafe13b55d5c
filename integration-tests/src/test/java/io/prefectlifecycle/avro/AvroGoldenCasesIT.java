package io.prefectlifecycle.avro;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.golden.TopologyHarness;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistrySettings;
import io.prefectlifecycle.stream.FixtureRecord;
import io.prefectlifecycle.testdata.GoldenCases;
import io.prefectlifecycle.testsupport.ApicurioRegistry;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The golden cases with Avro in and out, against a real registry: every CDC record that is a JSON object is piped as
 * Avro (Confluent wire format, a schema inferred from the record, registered under {@code <topic>-value} / {@code -key});
 * the app writes Avro events, which read back as JSON must be {@code expected.jsonl} byte for byte, with the same dead
 * letters.
 */
class AvroGoldenCasesIT {

    private static ApicurioRegistry registry;
    private static SchemaRegistryClient client;

    @BeforeAll
    static void registry() {
        registry = ApicurioRegistry.shared();
        client = new SchemaRegistryClient(registry.ccompatUrl());
    }

    static Stream<Path> cases() throws IOException {
        return GoldenCases.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void avroInAvroOutGivesTheGoldenEvents(Path caseDir) throws IOException {
        List<String> events = new ArrayList<>();
        List<String> deadLetters = new ArrayList<>();
        try (TopologyHarness harness = new TopologyHarness(avroSettings(GoldenCases.environment(caseDir)))) {
            for (String line : Files.readAllLines(caseDir.resolve("input.jsonl"), StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                FixtureRecord record = FixtureRecord.parse(line);
                harness.pipe(
                        asAvro(record.topic() + "-key", record.key()),
                        asAvro(record.topic() + "-value", record.value()));
            }
            harness.endInput();
            AvroEventDecoder decoder = new AvroEventDecoder(new RegistryWriterSchemas(client));
            for (TestRecord<byte[], byte[]> event : harness.rawEvents()) {
                assertTrue(ConfluentWireFormat.isFramed(event.value()), "an Avro event");
                events.add(decoder.decode(event.value()).toJson());
            }
            harness.deadLetters().forEach(d -> deadLetters.add(d.headers().get("dlq.reason")));
        }
        assertEquals(
                String.join("\n", Files.readAllLines(caseDir.resolve("expected.jsonl"), StandardCharsets.UTF_8)),
                String.join("\n", events),
                "events of " + caseDir.getFileName());
        Path expectedDeadLetters = caseDir.resolve("expected-dead-letters.txt");
        assertEquals(
                Files.exists(expectedDeadLetters)
                        ? Files.readAllLines(expectedDeadLetters, StandardCharsets.UTF_8)
                        : List.of(),
                deadLetters);
    }

    @Test
    void everyCdcRecordOfTheGoldenCasesIsPipedAsAvro() throws IOException {
        List<String> notAvro = new ArrayList<>();
        int avro = 0;
        for (Path caseDir : cases().toList()) {
            for (String line : Files.readAllLines(caseDir.resolve("input.jsonl"), StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                FixtureRecord record = FixtureRecord.parse(line);
                JsonNode value;
                try {
                    value = record.value() == null
                            ? null
                            : Json.parse(new String(record.value(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    continue; // a malformed-input case: stays as it is
                }
                if (value != null && value.isObject()) {
                    if (InferredAvro.encode(value, "r").isPresent()) {
                        avro++;
                    } else {
                        notAvro.add(caseDir.getFileName() + " " + record.topic() + "@" + record.offset());
                    }
                }
            }
        }
        assertEquals(List.of(), notAvro, "records the test could not turn into Avro");
        assertTrue(avro > 300, avro + " records");
    }

    @Test
    void anAvroRecordOfAnUnknownSchemaIdIsADeadLetter() {
        try (TopologyHarness harness = new TopologyHarness(avroSettings(Map.of()))) {
            byte[] value = ConfluentWireFormat.frame(99_999, new byte[] {2, 4, 6});
            harness.pipe(null, value);
            List<TopologyHarness.Output> dead = harness.deadLetters();
            assertEquals(1, dead.size());
            assertEquals(
                    "Avro value: schema id 99999 is not in the schema registry " + registry.ccompatUrl(),
                    dead.get(0).headers().get("dlq.reason"));
            assertEquals(List.of(), harness.rawEvents());
        }
    }

    private static TopologySettings avroSettings(Map<String, String> env) {
        try (TopologyHarness json = TopologyHarness.withEnvironment(env)) {
            return json.settings()
                    .withEventFormat(
                            EventFormat.AVRO, Optional.of(new SchemaRegistrySettings(registry.ccompatUrl(), true)));
        }
    }

    private static byte[] asAvro(String subject, byte[] json) {
        return AvroInput.asAvro(client, subject, json);
    }
}
