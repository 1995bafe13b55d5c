package io.prefectlifecycle.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.ChangeDecoder;
import io.prefectlifecycle.cdc.Decoded;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.stream.Outcome;
import io.prefectlifecycle.testdata.GoldenCases;
import io.prefectlifecycle.topology.TopologySettings;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invariants that hold for any input, not just the golden cases. */
class PipelinePropertiesTest {

    private static final String TOPIC = "prefect.public.variable";

    // tries: each builds a TopologyTestDriver (about 50 ms), and the unit suite should stay fast
    @Property(tries = 100)
    void arbitraryBytesNeverCrashTheTopologyAndEveryRecordHasExactlyOneOutcome(
            @ForAll @Size(max = 200) List<@Size(max = 300) byte[]> values) {
        try (TopologyHarness harness = new TopologyHarness(TopologySettings.defaults())) {
            for (byte[] value : values) {
                harness.pipe(value, value);
            }
            harness.endInput();
            assertEveryRecordHasExactlyOneOutcome(harness, values.size() + TopologyHarness.END_OF_INPUT_RECORDS);
        }
        // not vacuous: some bytes get as far as a dead letter
        Statistics.label(OUTCOME)
                .coverage(outcomes -> outcomes.check(DEAD_LETTER).count(n -> n > 0));
    }

    @Property(tries = 150)
    void mutatedValidRecordsYieldExactlyOneOutcomeWithAReason(@ForAll("mutatedRecords") List<byte[]> values) {
        try (TopologyHarness harness = new TopologyHarness(TopologySettings.defaults())) {
            for (byte[] value : values) {
                harness.pipe(null, value);
            }
            harness.endInput();
            assertEveryRecordHasExactlyOneOutcome(harness, values.size() + TopologyHarness.END_OF_INPUT_RECORDS);
            for (Emission emission : harness.outcomes()) {
                if (emission.outcome() instanceof Outcome.Events events) {
                    assertEquals(1, events.events().size(), "a variable change is one event: " + emission);
                }
            }
        }
        // not vacuous: the mutations reach every outcome
        Statistics.label(OUTCOME).coverage(outcomes -> {
            outcomes.check(EVENTS).count(n -> n > 0);
            outcomes.check(SKIPPED).count(n -> n > 0);
            outcomes.check(DEAD_LETTER).count(n -> n > 0);
        });
    }

    /** The statistics label and values of the outcomes seen. */
    private static final String OUTCOME = "outcome";

    private static final String EVENTS = "events";
    private static final String SKIPPED = "skipped";
    private static final String DEAD_LETTER = "dead letter";

    /**
     * Offsets 0 to {@code records} − 1 each have exactly one outcome, and nothing else has one; each outcome says
     * something (events, or a reason) and is written as it says: the events of the event outcomes are the events topic,
     * in order, byte for byte; the dead letters are the dead-letter topic, one per dead-lettered offset; a skip writes
     * nothing.
     */
    private static void assertEveryRecordHasExactlyOneOutcome(TopologyHarness harness, int records) {
        List<Emission> outcomes = harness.outcomes();
        Map<Long, Emission> byOffset = new TreeMap<>();
        for (Emission emission : outcomes) {
            Emission twice = byOffset.put(emission.source().offset(), emission);
            assertNull(twice, () -> "two outcomes of one record: " + twice + " and " + emission);
        }
        assertEquals(
                LongStream.range(0, records).boxed().toList(),
                List.copyOf(byOffset.keySet()),
                "the offsets that have an outcome");

        List<String> eventsReported = new ArrayList<>();
        List<Long> deadLettersReported = new ArrayList<>();
        for (Emission emission : outcomes) {
            Statistics.label(OUTCOME)
                    .collect(emission.outcome().<String>match(e -> EVENTS, s -> SKIPPED, d -> DEAD_LETTER));
            emission.outcome()
                    .match(
                            events -> {
                                assertFalse(
                                        events.events().isEmpty(),
                                        () -> "an event outcome without events: " + emission);
                                events.events().forEach(event -> eventsReported.add(event.toJson()));
                                return null;
                            },
                            skipped -> {
                                assertFalse(skipped.reason().isBlank(), () -> "a skip without a reason: " + emission);
                                return null;
                            },
                            dead -> {
                                assertFalse(
                                        dead.reason().isBlank()
                                                || dead.exceptionClass().isBlank(),
                                        () -> "a dead letter without a reason or class: " + emission);
                                deadLettersReported.add(emission.source().offset());
                                return null;
                            });
        }
        assertEquals(
                eventsReported,
                harness.events().stream().map(TopologyHarness.Output::value).toList(),
                "the events topic holds the events of the event outcomes, in order");
        assertEquals(
                deadLettersReported.stream().sorted().toList(),
                harness.deadLetters().stream()
                        .map(letter -> Long.parseLong(letter.headers().get("dlq.source.offset")))
                        .sorted()
                        .toList(),
                "the dead-letter topic holds one record per dead-lettered offset");
    }

    @Property(tries = 50)
    void eventKeyIsTheResourceIdAndHeadersAgree(@ForAll("variableRecords") JsonNode value) throws IOException {
        try (TopologyHarness harness = new TopologyHarness(TopologySettings.defaults())) {
            harness.pipe(null, Json.MAPPER.writeValueAsBytes(value));
            harness.endInput();
            List<TopologyHarness.Output> events = harness.events();
            assertEquals(1, events.size());
            TopologyHarness.Output event = events.get(0);
            JsonNode parsed = Json.parse(event.value());
            assertEquals(parsed.path("resource").path("prefect.resource.id").asText(), event.key());
            assertEquals(event.key(), event.headers().get("prefect.resource.id"));
            assertEquals(parsed.path("event").asText(), event.headers().get("prefect.event"));
        }
    }

    @Property(tries = 200)
    void decodingWithAndWithoutTheSchemaWrapperGivesTheSameChange(@ForAll("variableRecords") JsonNode value)
            throws IOException {
        ChangeDecoder decoder = new ChangeDecoder();
        ObjectNode wrapped = Json.MAPPER.createObjectNode();
        wrapped.set("schema", Json.MAPPER.createObjectNode().put("type", "struct"));
        wrapped.set("payload", value);
        Decoded bare = decoder.decode(TOPIC, null, Json.MAPPER.writeValueAsBytes(value));
        Decoded withSchema = decoder.decode(TOPIC, null, Json.MAPPER.writeValueAsBytes(wrapped));
        assertEquals(bare, withSchema);
        assertTrue(bare instanceof Decoded.Change);
    }

    @Property(tries = 20)
    void idsAreStableAcrossRunsAndDistinctAcrossChanges(@ForAll("goldenInputs") Path input) throws IOException {
        List<String> first = transform(input);
        List<String> second = transform(input);
        assertEquals(first, second, "same input, same bytes");
        List<String> ids = first.stream().map(PipelinePropertiesTest::idOf).toList();
        assertEquals(ids.size(), ids.stream().distinct().count(), "distinct changes get distinct ids");
        for (String id : ids) {
            assertEquals('7', id.charAt(14), "UUID version 7");
        }
    }

    @Provide
    Arbitrary<Path> goldenInputs() throws IOException {
        List<Path> inputs = new ArrayList<>();
        for (Path dir : GoldenCases.cases().toList()) {
            inputs.add(dir.resolve("input.jsonl"));
        }
        return Arbitraries.of(inputs);
    }

    @Provide
    Arbitrary<JsonNode> variableRecords() {
        Arbitrary<String> names = Arbitraries.strings().ofMinLength(1).ofMaxLength(20);
        Arbitrary<String> values = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(30).map(PipelinePropertiesTest::jsonString),
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.of("true", "false", "null", "[]", "{\"b\": 1, \"a\": [2.5, null]}"));
        Arbitrary<String> ops = Arbitraries.of("c", "u", "r");
        Arbitrary<Long> lsns = Arbitraries.longs().between(1, 1L << 40);
        return Combinators.combine(names, values, ops, lsns).as((name, value, op, lsn) -> {
            ObjectNode after = Json.MAPPER
                    .createObjectNode()
                    .put("id", "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e")
                    .put("created", "2026-06-05T13:01:54.123456Z")
                    .put("updated", "2026-06-05T13:01:55Z")
                    .put("name", name)
                    .put("tags", "[\"t\"]")
                    .put("value", value);
            ObjectNode source = Json.MAPPER
                    .createObjectNode()
                    .put("name", "prefect")
                    .put("schema", "public")
                    .put("table", "variable")
                    .put("ts_us", 1780664515123573L)
                    .put("lsn", lsn)
                    .put("txId", 751)
                    .put("snapshot", "false");
            ObjectNode record = Json.MAPPER.createObjectNode();
            record.putNull("before");
            record.set("after", after);
            record.set("source", source);
            record.put("op", op.equals("r") ? "c" : op);
            return record;
        });
    }

    /** Valid variable changes, some with bytes replaced, in transactions of a few records each. */
    @Provide
    Arbitrary<List<byte[]>> mutatedRecords() {
        return mutatedRecord().list().ofMinSize(1).ofMaxSize(8);
    }

    private Arbitrary<byte[]> mutatedRecord() {
        return variableRecords().flatMap(record -> {
            byte[] bytes = record.toString().getBytes(StandardCharsets.UTF_8);
            return Arbitraries.integers()
                    .between(0, bytes.length - 1)
                    .list()
                    .ofMaxSize(5)
                    .flatMap(positions -> Arbitraries.bytes()
                            .list()
                            .ofSize(positions.size())
                            .map(replacements -> {
                                byte[] mutated = bytes.clone();
                                for (int i = 0; i < positions.size(); i++) {
                                    mutated[positions.get(i)] = replacements.get(i);
                                }
                                return mutated;
                            }));
        });
    }

    private static List<String> transform(Path input) throws IOException {
        List<String> out = new ArrayList<>();
        try (TopologyHarness harness = TopologyHarness.withEnvironment(GoldenCases.environment(input.getParent()))) {
            harness.pipeFile(input);
            harness.endInput();
            harness.events().forEach(event -> out.add(event.value()));
        }
        return out;
    }

    private static String idOf(String event) {
        int at = event.lastIndexOf("\"id\":\"") + 6;
        return event.substring(at, at + 36);
    }

    private static String jsonString(String s) {
        try {
            return Json.MAPPER.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
