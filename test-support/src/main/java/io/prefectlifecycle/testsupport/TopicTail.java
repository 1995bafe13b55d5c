package io.prefectlifecycle.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads existing topics from the beginning on a background thread, {@code read_committed}, and keeps every record
 * with the {@link System#nanoTime()} it was received at: what a downstream consumer sees, in the order it sees it
 * (one partition per topic here), timed for latency measurements.
 */
public final class TopicTail implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Received(String topic, long offset, String key, String value, long receivedNanos) {
    public     JsonNode json() {
            try {
                return value == null ? null : JSON.readTree(value);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + value, e);
            }
        }
    }

    private final KafkaConsumer<String, String> consumer;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile RuntimeException failure;

    public TopicTail(String bootstrapServers, Collection<String> topics) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "topic-tail-" + UUID.randomUUID(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10"),
                new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, "topic-tail-" + String.join(",", topics));
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (true) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    received.add(new Received(r.topic(), r.offset(), r.key(), r.value(), System.nanoTime()));
                }
            }
        } catch (WakeupException closing) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    /** Everything received so far, in order. */
    public List<Received> all() {
        throwIfFailed();
        return List.copyOf(received);
    }

    public int size() {
        throwIfFailed();
        return received.size();
    }

    /** The index of the first record from {@code from} on that matches, or -1. */
    public int indexOf(int from, Predicate<Received> match) {
        List<Received> now = all();
        for (int i = from; i < now.size(); i++) {
            if (match.test(now.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private void throwIfFailed() {
        if (failure != null) {
            throw new IllegalStateException("tail consumer failed", failure);
        }
    }

    @Override
    public void close() throws InterruptedException {
        consumer.wakeup();
        thread.join(10_000);
    }
}
