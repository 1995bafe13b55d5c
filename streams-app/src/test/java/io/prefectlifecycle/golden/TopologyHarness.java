package io.prefectlifecycle.golden;

import io.prefectlifecycle.kinds.Kinds;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.stream.EncryptionKeys;
import io.prefectlifecycle.stream.FixtureRecord;
import io.prefectlifecycle.topology.LifecycleTopology;
import io.prefectlifecycle.topology.PipelineMetrics;
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
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Feeds records in the fixture format through the real topology in a {@link TopologyTestDriver}: every record into the
 * change stream ({@link TopologySettings#cdcTopic()}), in the order given (a fixture's topic is information only), and
 * collects what the processor reports for each record (its outcome), as the app's metrics see it.
 */
public final class TopologyHarness implements AutoCloseable {

    /** One output record, decoded for assertions. */
    public record Output(String key, String value, Map<String, String> headers) {}

    /** The transaction id of the heartbeat {@link #endInput()} writes: none of the cases uses it. */
    private static final long END_OF_INPUT_TRANSACTION = 4_000_000_000L;

    private final TopologyTestDriver driver;
    private final TopologySettings settings;
    private final TestInputTopic<byte[], byte[]> input;
    private final List<Emission> outcomes = new CopyOnWriteArrayList<>();
    private final TestOutputTopic<byte[], byte[]> events;
    private final TestOutputTopic<byte[], byte[]> deadLetters;

    public TopologyHarness(TopologySettings settings) {
        this(settings, PipelineMetrics.NONE);
    }

    /** @param metrics also told every outcome, as the app's metrics are */
    public TopologyHarness(TopologySettings settings, PipelineMetrics metrics) {
        this.settings = settings;
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "golden");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // a state directory of its own: a shared one would carry state between tests and concurrent builds
        props.put(StreamsConfig.STATE_DIR_CONFIG, newStateDir().toString());
        props.put(PipelineMetrics.CONFIG, new PipelineMetrics() {
            @Override
            public PipelineMetrics forSource(String source) {
                PipelineMetrics sourceMetrics = metrics.forSource(source);
                return new PipelineMetrics() {
                    @Override
                    public void outcome(Emission emission) {
                        outcomes.add(emission);
                        sourceMetrics.outcome(emission);
                    }

                    @Override
                    public void openTransaction(long rows, long openSinceMillis) {
                        sourceMetrics.openTransaction(rows, openSinceMillis);
                    }
                };
            }
        });
        this.driver = new TopologyTestDriver(LifecycleTopology.build(settings), props);
        this.input = driver.createInputTopic(settings.cdcTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        this.events = driver.createOutputTopic(
                settings.eventsTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.deadLetters = driver.createOutputTopic(
                settings.deadLetterTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
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
        return new TopologyHarness(new TopologySettings(
                defaults.cdcTopic(),
                defaults.eventsTopic(),
                defaults.deadLetterTopic(),
                EncryptionKeys.fromEnvironment(env),
                false));
    }

    /** One record of the change stream. */
    public void pipe(byte[] key, byte[] value) {
        input.pipeInput(key, value);
    }

    /** Pipes every line of a fixture-format file ({@code {"topic":…,"key":…,"value":…}}; see {@link FixtureRecord}). */
    public void pipeFile(Path jsonl) throws IOException {
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                FixtureRecord record = FixtureRecord.parse(line);
                pipe(record.key(), record.value());
            }
        }
    }

    /**
     * What the real stack's heartbeat does every 10 s: a change of Debezium's heartbeat table in a transaction of its
     * own, which ends the last transaction of input without transaction metadata (nothing else would); then the
     * heartbeat's END, so that every record piped has its outcome.
     */
    public void endInput() {
        pipe(HEARTBEAT_KEY, heartbeat(END_OF_INPUT_TRANSACTION));
        pipe(
                null,
                ("{\"status\":\"END\",\"id\":\"" + END_OF_INPUT_TRANSACTION + ":1\",\"event_count\":1,"
                                + "\"data_collections\":[]}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    /** The records {@link #endInput()} pipes. */
    public static final int END_OF_INPUT_RECORDS = 2;

    /** The key of Debezium's heartbeat table's one row. */
    public static final byte[] HEARTBEAT_KEY = "{\"id\":1}".getBytes(StandardCharsets.UTF_8);

    /**
     * The value of a heartbeat change in transaction {@code txId}, with its transaction block (no LSN: never taken
     * for a redelivery).
     */
    public static byte[] heartbeat(long txId) {
        return ("{\"before\":null,\"after\":{\"id\":1,\"ts\":\"2026-06-05T13:01:54.123456Z\"},\"source\":{"
                        + "\"name\":\"prefect\",\"schema\":\"public\",\"table\":\"" + Kinds.HEARTBEAT_TABLE + "\","
                        + "\"ts_us\":1780664515123573,\"txId\":" + txId + ",\"snapshot\":\"false\"},\"transaction\":"
                        + "{\"id\":\"" + txId + ":1\",\"total_order\":1,\"data_collection_order\":1},\"op\":\"u\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The outcome of every record piped so far, as the processor reported them, in the order reported. */
    public List<Emission> outcomes() {
        return List.copyOf(outcomes);
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
                headers.put(
                        header.key(),
                        header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
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
