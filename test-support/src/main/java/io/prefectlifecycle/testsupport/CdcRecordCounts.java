package io.prefectlifecycle.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What Debezium wrote to the CDC topics, and how much of it was written twice: a change is identified by its table,
 * key and {@code source.lsn}, a BEGIN/END record by its status and transaction id ({@code <txId>:<lsn>}). A record
 * seen again under the same identity is a redelivery.
 */
public record CdcRecordCounts(
        long changes,
        long distinctChanges,
        long markers,
        long distinctMarkers,
        long begins,
        long distinctBegins,
        long tombstones) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public long duplicateChanges() {
        return changes - distinctChanges;
    }

    public long duplicateMarkers() {
        return markers - distinctMarkers;
    }

    /** Reads every record of {@code topics} from the beginning to their current end. */
    public static CdcRecordCounts read(String bootstrapServers, List<String> topics) {
        return read(bootstrapServers, topics, null);
    }

    /**
     * {@link #read}, writing one line per record to {@code dump} (when not null) for a failure's post-mortem: topic,
     * offset, timestamp, op or status, LSN, transaction id, key.
     */
    public static CdcRecordCounts read(String bootstrapServers, List<String> topics, Path dump) {
        List<String> lines = new ArrayList<>();
        long changes = 0;
        long markers = 0;
        long begins = 0;
        long tombstones = 0;
        Set<String> distinctChanges = new HashSet<>();
        Set<String> distinctMarkers = new HashSet<>();
        Set<String> distinctBegins = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"),
                new StringDeserializer(),
                new StringDeserializer())) {
            List<TopicPartition> partitions = topics.stream()
                    .flatMap(t -> consumer.partitionsFor(t, Duration.ofSeconds(30)).stream())
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() == null) {
                        tombstones++;
                        continue;
                    }
                    JsonNode value = parse(r.value());
                    if (dump != null) {
                        lines.add(String.join(
                                "\t",
                                r.topic(),
                                Long.toString(r.offset()),
                                Long.toString(r.timestamp()),
                                value.has("status")
                                        ? value.path("status").asText()
                                        : value.path("op").asText(),
                                value.path("source").path("lsn").asText(""),
                                value.has("status")
                                        ? value.path("id").asText()
                                        : value.path("transaction").path("id").asText(""),
                                String.valueOf(r.key())));
                    }
                    if (value.has("status")) {
                        markers++;
                        String id = value.path("status").asText() + "|"
                                + value.path("id").asText();
                        distinctMarkers.add(id);
                        if ("BEGIN".equals(value.path("status").asText())) {
                            begins++;
                            distinctBegins.add(id);
                        }
                    } else {
                        changes++;
                        distinctChanges.add(r.topic() + "|"
                                + value.path("source").path("lsn").asText() + "|" + r.key());
                    }
                }
            }
        }
        if (dump != null) {
            try {
                Files.write(dump, lines);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new CdcRecordCounts(
                changes,
                distinctChanges.size(),
                markers,
                distinctMarkers.size(),
                begins,
                distinctBegins.size(),
                tombstones);
    }

    @Override
    public String toString() {
        return "CDC change records " + changes + " (distinct (table, key, LSN) " + distinctChanges + ", redelivered "
                + duplicateChanges() + "), BEGIN/END records " + markers + " (distinct " + distinctMarkers
                + ", redelivered " + duplicateMarkers() + ", of them BEGIN " + (begins - distinctBegins)
                + "), tombstones "
                + tombstones;
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }
}
