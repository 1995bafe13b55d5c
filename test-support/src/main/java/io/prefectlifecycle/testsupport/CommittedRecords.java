package io.prefectlifecycle.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.awaitility.Awaitility.await;

/**
 * What a downstream consumer of one topic sees: {@code isolation.level=read_committed}, every partition from the
 * beginning (assigned, no group), each record kept with its headers and the {@link System#nanoTime()} at which
 * {@code poll} returned it. Not thread-safe: poll from one thread.
 */
public final class CommittedRecords implements AutoCloseable {

    public record Header(String key, String value) {}

    public record Received(
            String topic,
            int partition,
            long offset,
            String key,
            String value,
            List<Header> headers,
            long receivedNanos) {

        public String header(String name) {
            return headers.stream()
                    .filter(h -> h.key().equals(name))
                    .map(Header::value)
                    .findFirst()
                    .orElse(null);
        }

        /** The value parsed as JSON; null for a tombstone. */
        public JsonNode json() {
            try {
                return value == null ? null : JSON.readTree(value);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + value, e);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaConsumer<String, byte[]> consumer;
    private final Function<byte[], String> values;
    private final List<TopicPartition> partitions;
    private final List<Received> received = new ArrayList<>();

    /** @param overrides consumer settings on top of read_committed from the beginning (e.g. fetch.max.wait.ms) */
    public CommittedRecords(String bootstrapServers, String topic, Map<String, Object> overrides) {
        this(bootstrapServers, topic, overrides, CommittedRecords::utf8);
    }

    /** @param values how a value is shown (e.g. an Avro event as its JSON); null stays null */
    public CommittedRecords(
            String bootstrapServers, String topic, Map<String, Object> overrides, Function<byte[], String> values) {
        this.values = values;
        Map<String, Object> config = new HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        config.putAll(overrides);
        consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        // a topic created a moment ago may not be in the broker's metadata yet: its partition list is empty then
        partitions = await("partitions of " + topic)
                .atMost(Duration.ofSeconds(30))
                .pollInSameThread()
                .pollInterval(Duration.ofMillis(50))
                .until(
                        () -> consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                                .map(p -> new TopicPartition(p.topic(), p.partition()))
                                .toList(),
                        list -> !list.isEmpty());
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    public CommittedRecords(String bootstrapServers, String topic) {
        this(bootstrapServers, topic, Map.of());
    }

    /** One poll; returns what it brought (also kept in {@link #all()}). */
    public List<Received> poll(Duration timeout) {
        List<Received> batch = new ArrayList<>();
        var records = consumer.poll(timeout);
        long now = System.nanoTime();
        for (ConsumerRecord<String, byte[]> r : records) {
            List<Header> headers = new ArrayList<>();
            r.headers()
                    .forEach(h -> headers.add(new Header(
                            h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8))));
            batch.add(new Received(
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    r.key(),
                    r.value() == null ? null : values.apply(r.value()),
                    List.copyOf(headers),
                    now));
        }
        received.addAll(batch);
        return batch;
    }

    /** Skips what the topic holds now: from here on, only records written after this call are read. */
    public CommittedRecords fromNow() {
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // the seek is lazy: resolve the end offsets now
        return this;
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public List<Received> all() {
        return List.copyOf(received);
    }

    /** What an app committed: its events and its dead letters, each read to the end. */
    public record AppOutput(List<Received> events, List<Received> deadLetters) {}

    /** Reads the events topic (with room for 8 MB fetches: large events) and the dead-letter topic to their ends. */
    public static AppOutput readAppOutput(String bootstrapServers, String eventsTopic, String deadLetterTopic) {
        try (CommittedRecords events = new CommittedRecords(
                        bootstrapServers, eventsTopic, Map.of("max.partition.fetch.bytes", 8 << 20));
                CommittedRecords deadLetters = new CommittedRecords(bootstrapServers, deadLetterTopic)) {
            return new AppOutput(
                    events.readToEnd(Duration.ofSeconds(120)), deadLetters.readToEnd(Duration.ofSeconds(30)));
        }
    }

    /** Polls until a record with {@code key} has been read (a workload's sentinel: everything before it is in). */
    public void awaitKey(String key, Duration timeout) {
        await("the record with key " + key)
                .atMost(timeout)
                .pollInSameThread()
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    poll(Duration.ofMillis(200));
                    return received.stream().anyMatch(r -> key.equals(r.key()));
                });
    }

    /** Polls until the position reaches the last stable offset of every partition, as it is now. */
    public List<Received> readToEnd(Duration timeout) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
        await("the end of " + partitions + " " + ends)
                .atMost(timeout)
                .pollInSameThread()
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    if (partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p))) {
                        return true;
                    }
                    poll(Duration.ofMillis(100));
                    return false;
                });
        return all();
    }

    /** Makes a {@link #poll} blocked in another thread return (with a {@link org.apache.kafka.common.errors.WakeupException}). */
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}
