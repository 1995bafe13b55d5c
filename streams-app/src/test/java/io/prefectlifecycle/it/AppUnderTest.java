package io.prefectlifecycle.it;

import static org.awaitility.Awaitility.await;

import io.prefectlifecycle.app.StreamsApp;
import io.prefectlifecycle.topology.TopologySettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The app as {@code run} starts it ({@link StreamsApp#properties}: exactly-once v2), with a fresh application id and
 * a temporary state dir removed on close; {@code overrides} go on top (the latency measurements use them).
 */
final class AppUnderTest implements AutoCloseable {
    private final StreamsApp app;
    private final Path stateDir;

    private AppUnderTest(StreamsApp app, Path stateDir) {
        this.app = app;
        this.stateDir = stateDir;
    }

    static AppUnderTest start(String bootstrapServers, TopologySettings settings, Map<String, Object> overrides)
            throws IOException {
        Path stateDir = Files.createTempDirectory("prefect-lifecycle-it-state-");
        Properties props = StreamsApp.properties(bootstrapServers, "prefect-lifecycle-it-" + UUID.randomUUID(), stateDir);
        props.putAll(overrides);
        return new AppUnderTest(StreamsApp.start(settings, props), stateDir);
    }

    AppUnderTest awaitRunning(Duration timeout) {
        await("Kafka Streams RUNNING").atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
            KafkaStreams.State state = app.streams().state();
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
                throw new IllegalStateException("Kafka Streams is " + state);
            }
            return state == KafkaStreams.State.RUNNING;
        });
        return this;
    }

    KafkaStreams streams() {
        return app.streams();
    }

    @Override
    public void close() {
        try {
            app.close();
        } finally {
            try (Stream<Path> paths = Files.walk(stateDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException ignored) {
                // a leftover temp dir must not fail the test
            }
        }
    }
}
