package io.prefectlifecycle.golden;

import io.prefectlifecycle.pipeline.FixtureRecord;
import io.prefectlifecycle.pipeline.EncryptionKeys;
import io.prefectlifecycle.topology.LifecycleTopology;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Feeds records in the fixture format through the real topology in a {@link TopologyTestDriver}. */
public final class TopologyHarness implements AutoCloseable {

    /** One output record, decoded for assertions. */
    public record Output(String key, String value, Map<String, String> headers) {
    }

    private final TopologyTestDriver driver;
    private final TopologySettings settings;
    private final Map<String, TestInputTopic<byte[], byte[]>> inputs = new HashMap<>();
    private final TestOutputTopic<byte[], byte[]> events;
    private final TestOutputTopic<byte[], byte[]> deadLetters;

    public TopologyHarness(TopologySettings settings) {
        this.settings = settings;
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "golden");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // a state directory of its own: a shared one would carry state between tests and concurrent builds
        props.put(StreamsConfig.STATE_DIR_CONFIG, newStateDir().toString());
        this.driver = new TopologyTestDriver(LifecycleTopology.build(settings), props);
        this.events = driver.createOutputTopic(settings.eventsTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.deadLetters = driver.createOutputTopic(settings.deadLetterTopic(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static Path newStateDir() {
        try {
            Path dir = Files.createTempDirectory("topology-harness");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A harness whose Fernet key override comes from {@code env} as it would from the process environment. */
    public static TopologyHarness withEnvironment(Map<String, String> env) {
        TopologySettings defaults = TopologySettings.defaults();
        return new TopologyHarness(new TopologySettings(defaults.topicPrefix(), defaults.schema(),
                defaults.eventsTopic(), defaults.deadLetterTopic(), EncryptionKeys.fromEnvironment(env), false,
                defaults.transactionTimeout()));
    }

    public void pipe(String topic, byte[] key, byte[] value) {
        inputs.computeIfAbsent(topic, t -> driver.createInputTopic(t, new ByteArraySerializer(), new ByteArraySerializer()))
                .pipeInput(key, value);
    }

    /**
     * Pipes every line of a fixture-format file ({@code {"topic":…,"key":…,"value":…}}; see {@link FixtureRecord}).
     * Records of topics the topology does not subscribe to (heartbeats, other tables) are not piped: the app
     * would never read them.
     */
    public void pipeFile(Path jsonl) throws IOException {
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                FixtureRecord record = FixtureRecord.parse(line);
                if (settings.cdcTopics().matcher(record.topic()).matches()) {
                    pipe(record.topic(), record.key(), record.value());
                }
            }
        }
    }

    /**
     * Lets wall-clock time pass beyond the transaction timeout and its idle fallback, so a transaction nothing has ended yet (input without
     * transaction metadata ends one only with the next transaction) is emitted.
     */
    public void advancePastTransactionTimeout() {
        driver.advanceWallClockTime(settings.transactionTimeout()
                .plus(TopologySettings.TRANSACTION_TIMEOUT_IDLE_FALLBACK).plusSeconds(1));
    }

    public List<Output> events() {
        return drain(events);
    }

    /** The event records as written (for a binary event format), drained. */
    public List<TestRecord<byte[], byte[]>> rawEvents() {
        return events.readRecordsToList();
    }

    public List<Output> deadLetters() {
        return drain(deadLetters);
    }

    public TopologySettings settings() {
        return settings;
    }

    private static List<Output> drain(TestOutputTopic<byte[], byte[]> topic) {
        List<Output> out = new ArrayList<>();
        for (TestRecord<byte[], byte[]> record : topic.readRecordsToList()) {
            Map<String, String> headers = new HashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
            }
            out.add(new Output(text(record.key()), text(record.value()), headers));
        }
        return out;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        driver.close();
    }
}
