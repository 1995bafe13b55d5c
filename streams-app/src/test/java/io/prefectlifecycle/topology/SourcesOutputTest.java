package io.prefectlifecycle.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.golden.TopologyHarness;
import io.prefectlifecycle.testdata.ProjectPaths;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two sources through one topology: each event says where it comes from (the {@code prefect.cdc.source} header,
 * and with {@code source.label} a resource label), Prefect's bytes are otherwise untouched, and each source can have
 * its own events topic.
 */
class SourcesOutputTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CASE = ProjectPaths.goldenCases().resolve("variable/created-string");

    @TempDir
    Path stateDir;

    @Test
    void theHeaderNamesTheSourceAndTheEventBytesArePrefects() throws Exception {
        String expected = Files.readString(CASE.resolve("expected.jsonl"), StandardCharsets.UTF_8)
                .strip();
        List<TopologySettings> sources = List.of(source("prod", false, "events"), source("staging", false, "events"));
        try (TopologyTestDriver driver = driver(sources)) {
            pipe(driver, "prefect-prod.cdc");
            pipe(driver, "prefect-staging.cdc");
            List<TestRecord<byte[], byte[]>> events = output(driver, "events").readRecordsToList();
            assertEquals(
                    List.of("prod", "staging"),
                    events.stream().map(r -> header(r, "prefect.cdc.source")).toList());
            for (TestRecord<byte[], byte[]> event : events) {
                assertEquals(expected, new String(event.value(), StandardCharsets.UTF_8), "Prefect's bytes");
                assertEquals("prefect.variable.created", header(event, "prefect.event"));
            }
        }
    }

    @Test
    void withTheLabelTheResourceNamesTheSourceLastAndEachSourceMayHaveItsTopic() throws Exception {
        JsonNode expected = JSON.readTree(Files.readString(CASE.resolve("expected.jsonl"), StandardCharsets.UTF_8));
        List<TopologySettings> sources =
                List.of(source("prod", true, "events.prod"), source("staging", true, "events.staging"));
        try (TopologyTestDriver driver = driver(sources)) {
            pipe(driver, "prefect-staging.cdc");
            assertEquals(List.of(), output(driver, "events.prod").readRecordsToList());
            List<TestRecord<byte[], byte[]>> staging =
                    output(driver, "events.staging").readRecordsToList();
            assertEquals(1, staging.size());
            JsonNode event = JSON.readTree(staging.get(0).value());
            assertEquals(
                    List.of("prefect.resource.id", "prefect.resource.name", "prefect.cdc.source"),
                    fieldNames(event.path("resource")),
                    "the label comes last");
            assertEquals(
                    "staging", event.path("resource").path("prefect.cdc.source").asText());
            ((com.fasterxml.jackson.databind.node.ObjectNode) event.path("resource")).remove("prefect.cdc.source");
            assertEquals(expected, event, "otherwise the event is Prefect's, its id included");
            assertEquals("staging", header(staging.get(0), "prefect.cdc.source"));
        }
    }

    private static TopologySettings source(String name, boolean label, String eventsTopic) {
        return new TopologySettings("prefect-" + name + ".cdc", eventsTopic, "dlq", Optional.empty(), false)
                .withSource(name, label);
    }

    private TopologyTestDriver driver(List<TopologySettings> sources) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "sources");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return new TopologyTestDriver(LifecycleTopology.build(sources), props);
    }

    /** The golden case's records, in order, then the harness's end of input (another transaction's change). */
    private static void pipe(TopologyTestDriver driver, String topic) throws Exception {
        TestInputTopic<byte[], byte[]> input =
                driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer());
        for (String line : Files.readAllLines(CASE.resolve("input.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode record = JSON.readTree(line);
            input.pipeInput(
                    JSON.writeValueAsBytes(record.get("key")),
                    record.get("value").isNull() ? null : JSON.writeValueAsBytes(record.get("value")));
        }
        input.pipeInput(TopologyHarness.HEARTBEAT_KEY, TopologyHarness.heartbeat(4_000_000_000L));
    }

    private static TestOutputTopic<byte[], byte[]> output(TopologyTestDriver driver, String topic) {
        return driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static String header(TestRecord<byte[], byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
