package io.prefectlifecycle.it;

import io.prefectlifecycle.app.StreamsApp;
import io.prefectlifecycle.avro.AvroEventDecoder;
import io.prefectlifecycle.avro.AvroInput;
import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.cli.ReplayCommand;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.local.LocalKafka;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistrySettings;
import io.prefectlifecycle.replay.ReplayResult;
import io.prefectlifecycle.stream.FixtureRecord;
import io.prefectlifecycle.testsupport.ApicurioRegistry;
import io.prefectlifecycle.testsupport.CdcCapture;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code replay} with Avro on both sides, against a real broker and registry (Apicurio 2.6): CDC records as an Avro
 * converter writes them (a generated history of variable changes, then the real capture), the live app writing Avro
 * events ({@code event.format=avro}), then a replay into the live topic with the same settings must append exactly
 * the live run's records, byte for byte (same subject, same schema id). A replay configured through the environment,
 * as {@code run} is, into another topic gives the same events. Prints the Avro replay rate.
 * {@code -Dreplay.avro.changes=N} sets the size of the generated history (default 5,000 variable changes).
 */
class AvroReplayIT {
    private static final String APP_ID = "prefect-lifecycle-avro-replay-it";
    private static final String ENV_TOPIC = "prefect.lifecycle-events.avro-replay";
    private static final int CHANGES = Integer.getInteger("replay.avro.changes", 5_000);

    /** An event record as a consumer sees it; the value as base64, so that the comparison is byte for byte. */
    record Raw(String key, String headers, String valueBase64) {
        byte[] value() {
            return Base64.getDecoder().decode(valueBase64);
        }
    }

    @Test
    void aReplayIntoTheLiveAvroTopicAppendsTheLiveRunsBytes() throws Exception {
        ApicurioRegistry registry = ApicurioRegistry.shared();
        String url = registry.ccompatUrl().toString();
        SchemaRegistryClient client = new SchemaRegistryClient(registry.ccompatUrl());
        TopologySettings settings = TopologySettings.defaults()
                .withEventFormat(
                        EventFormat.AVRO, Optional.of(new SchemaRegistrySettings(registry.ccompatUrl(), true)));

        List<String> history = new ArrayList<>(ReplayIT.VariableHistory.generate(CHANGES, 20261126L));
        Files.readAllLines(CdcCapture.FULL_SCENARIO, StandardCharsets.UTF_8).stream()
                .filter(line -> !line.isBlank())
                .forEach(history::add);
        List<String> expected = ReplayIT.transform(history);
        long t0 = System.nanoTime();
        List<String> avroHistory =
                history.stream().map(line -> AvroInput.asAvroLine(client, line)).toList();
        long avroValues = avroHistory.stream()
                .map(FixtureRecord::parse)
                .filter(r -> ConfluentWireFormat.isFramed(r.value()))
                .count();
        long cdcValues = history.stream()
                .map(FixtureRecord::parse)
                .filter(r -> r.value() != null)
                .count();
        assertTrue(avroValues >= cdcValues, avroValues + " Avro values of " + cdcValues + " CDC values");
        System.out.printf(
                "AvroReplayIT: %,d records as Avro in %.1f s%n", history.size(), (System.nanoTime() - t0) / 1e9);

        Path stateDir = Files.createTempDirectory("prefect-lifecycle-avro-replay-it-");
        try (LocalKafka kafka = LocalKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            kafka.createTopics(
                    List.of(settings.cdcTopic(), settings.eventsTopic(), settings.deadLetterTopic(), ENV_TOPIC));
            ReplayIT.produce(bootstrap, settings.cdcTopic(), avroHistory);

            t0 = System.nanoTime();
            try (StreamsApp live = StreamsApp.start(settings, StreamsApp.properties(bootstrap, APP_ID, stateDir));
                    KafkaConsumer<byte[], byte[]> events = consumer(bootstrap)) {
                events.assign(partitions(events, settings.eventsTopic()));
                long[] seen = {0};
                await(expected.size() + " live events")
                        .atMost(Duration.ofMinutes(5))
                        .pollInSameThread()
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> {
                            seen[0] += events.poll(Duration.ofMillis(200)).count();
                            return seen[0] >= expected.size();
                        });
            }
            System.out.printf(
                    "AvroReplayIT live app: %,d Avro events in %.1f s%n",
                    expected.size(), (System.nanoTime() - t0) / 1e9);
            List<Raw> live = readAll(bootstrap, settings.eventsTopic());
            assertEquals(expected, json(client, live), "the live run reads Avro and writes the JSON events as Avro");

            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            ReplayCommand command = new ReplayCommand();
            new CommandLine(command)
                    .parseArgs(
                            "--bootstrap-servers",
                            bootstrap,
                            "--to-topic",
                            settings.eventsTopic(),
                            "--format",
                            "avro",
                            "--schema-registry-url",
                            url);
            ReplayResult result = command.replay(new PrintStream(progress, true, StandardCharsets.UTF_8), Map.of());
            System.out.print(progress.toString(StandardCharsets.UTF_8));
            List<Raw> all = readAll(bootstrap, settings.eventsTopic());
            assertEquals(2 * live.size(), all.size());
            assertEquals(
                    live,
                    all.subList(live.size(), all.size()),
                    "the replay appends the live run's records: same keys, headers and value bytes, in order");
            assertEquals(0, result.deadLetters());
            System.out.printf(
                    "AvroReplayIT replay (Avro in, Avro out): %,d records -> %,d events in %.2f s: "
                            + "%,.0f records/s, %,.0f events/s%n",
                    result.recordsRead(),
                    result.eventsWritten(),
                    result.elapsed().toNanos() / 1e9,
                    result.recordsPerSecond(),
                    result.eventsPerSecond());

            // configured as run is: the environment names the format and the registry
            ReplayCommand fromEnv = new ReplayCommand();
            new CommandLine(fromEnv).parseArgs("--bootstrap-servers", bootstrap, "--to-topic", ENV_TOPIC);
            fromEnv.replay(
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    Map.of("PREFECT_CDC_EVENT_FORMAT", "avro", "PREFECT_CDC_SCHEMA_REGISTRY_URL", url));
            List<Raw> replayed = readAll(bootstrap, ENV_TOPIC);
            assertTrue(replayed.stream().allMatch(r -> ConfluentWireFormat.isFramed(r.value())), "Avro events");
            assertEquals(expected, json(client, replayed));
            assertTrue(client.subjects().contains(ENV_TOPIC + "-value"), "registered under <to-topic>-value");
        } finally {
            try (var paths = Files.walk(stateDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static List<String> json(SchemaRegistryClient client, List<Raw> records) {
        AvroEventDecoder decoder = new AvroEventDecoder(new RegistryWriterSchemas(client));
        return records.stream().map(r -> decoder.decode(r.value()).toJson()).toList();
    }

    private static List<Raw> readAll(String bootstrap, String topic) {
        List<Raw> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to the end");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    StringBuilder headers = new StringBuilder();
                    r.headers()
                            .forEach(h -> headers.append(h.key())
                                    .append('=')
                                    .append(new String(h.value(), StandardCharsets.UTF_8))
                                    .append(';'));
                    read.add(new Raw(
                            new String(r.key(), StandardCharsets.UTF_8),
                            headers.toString(),
                            Base64.getEncoder().encodeToString(r.value())));
                }
            }
        }
        return read;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        return consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
