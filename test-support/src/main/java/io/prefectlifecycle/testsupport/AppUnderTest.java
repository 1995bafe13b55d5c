package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.app.StreamsApp;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * The app as {@code run} starts it ({@link StreamsApp#properties}: exactly-once v2), with a fresh application id and
 * a temporary state dir removed on close; {@code overrides} go on top (the latency measurements use them). Or, for a
 * comparison, a pass-through with the same properties in its place ({@link #passThrough}).
 */
public final class AppUnderTest implements AutoCloseable {
    private final KafkaStreams streams;
    private final AutoCloseable closer;
    private final Path stateDir;

    private AppUnderTest(KafkaStreams streams, AutoCloseable closer, Path stateDir) {
        this.streams = streams;
        this.closer = closer;
        this.stateDir = stateDir;
    }

    public static AppUnderTest start(String bootstrapServers, TopologySettings settings, Map<String, Object> overrides)
            throws IOException {
        Path stateDir = Files.createTempDirectory("prefect-lifecycle-it-state-");
        StreamsApp app = StreamsApp.start(settings, properties(bootstrapServers, stateDir, overrides));
        return new AppUnderTest(app.streams(), app, stateDir);
    }

    /** The change stream copied byte for byte to {@code outputTopic}, read as the app reads it, same properties. */
    public static AppUnderTest passThrough(
            String bootstrapServers, String cdcTopic, String outputTopic, Map<String, Object> overrides)
            throws IOException {
        Path stateDir = Files.createTempDirectory("prefect-lifecycle-it-state-");
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(Pattern.compile(Pattern.quote(cdcTopic)), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(outputTopic, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        KafkaStreams streams = new KafkaStreams(builder.build(), properties(bootstrapServers, stateDir, overrides));
        streams.start();
        return new AppUnderTest(streams, () -> streams.close(Duration.ofSeconds(30)), stateDir);
    }

    private static Properties properties(String bootstrapServers, Path stateDir, Map<String, Object> overrides) {
        Properties props =
                StreamsApp.properties(bootstrapServers, "prefect-lifecycle-it-" + UUID.randomUUID(), stateDir);
        props.putAll(overrides);
        return props;
    }

    public AppUnderTest awaitRunning(Duration timeout) {
        await("Kafka Streams RUNNING")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    KafkaStreams.State state = streams.state();
                    if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
                        throw new IllegalStateException("Kafka Streams is " + state);
                    }
                    return state == KafkaStreams.State.RUNNING;
                });
        return this;
    }

    public KafkaStreams streams() {
        return streams;
    }

    @Override
    public void close() throws Exception {
        try {
            closer.close();
        } finally {
            try (Stream<Path> paths = Files.walk(stateDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException ignored) {
                // a leftover temp dir must not fail the test
            }
        }
    }
}
