package io.prefectlifecycle.parity;

import io.prefectlifecycle.avro.AvroEventDecoder;
import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The events topic's lifecycle events that occurred in a range, read {@code read_committed} without a consumer group
 * up to the end offsets as of start. Each partition is read from the first record written at or after
 * {@code since} less a minute: an event is written after it occurred (its record's timestamp is that of the CDC
 * record that completed its transaction), so nothing earlier can be in the range, clocks a little apart included.
 */
public final class TopicEvents {

    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLOCK_SLACK = Duration.ofMinutes(1);
    private static final Set<String> NAMES = Set.copyOf(PrefectDatabase.LIFECYCLE_EVENTS);

    private TopicEvents() {}

    /**
     * @param clients        Kafka client properties
     * @param schemaRegistry where Avro events' writer schemas are; without it an Avro event is an error
     * @throws IllegalStateException when the topic is missing or an Avro event cannot be read
     */
    public static List<ComparedEvent> read(
            Properties clients,
            String topic,
            Instant since,
            Instant until,
            Optional<URI> schemaRegistry,
            PrintStream err) {
        Properties props = new Properties();
        props.putAll(clients);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "prefect-lifecycle-cdc-parity");
        Optional<AvroEventDecoder> avro = schemaRegistry.map(
                url -> new AvroEventDecoder(new RegistryWriterSchemas(new SchemaRegistryClient(url))));
        List<ComparedEvent> events = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist");
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> startTimes = new HashMap<>();
            partitions.forEach(p -> startTimes.put(p, since.minus(CLOCK_SLACK).toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(startTimes);
            for (TopicPartition p : partitions) {
                OffsetAndTimestamp start = starts.get(p);
                consumer.seek(p, start == null ? end.get(p) : start.offset());
            }
            int skipped = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() >= end.get(new TopicPartition(record.topic(), record.partition()))) {
                        continue;
                    }
                    String where = record.topic() + "-" + record.partition() + "@" + record.offset();
                    ComparedEvent event;
                    try {
                        event = ComparedEvent.fromJson(json(record.value(), avro, where), where);
                    } catch (IllegalArgumentException e) {
                        skipped++;
                        continue;
                    }
                    if (NAMES.contains(event.event())
                            && !event.occurred().isBefore(since)
                            && !event.occurred().isAfter(until)) {
                        events.add(event);
                    }
                }
            }
            if (skipped > 0) {
                err.println("parity: " + skipped + " records of " + topic + " are not events, skipped");
            }
        }
        return events;
    }

    private static byte[] json(byte[] value, Optional<AvroEventDecoder> avro, String where) {
        if (!ConfluentWireFormat.startsWithMagic(value)) {
            return value;
        }
        AvroEventDecoder decoder = avro.orElseThrow(() -> new IllegalStateException("an Avro event at " + where
                + ": give --schema-registry-url (or PREFECT_CDC_SCHEMA_REGISTRY_URL) to read it"));
        return decoder.decode(value).toJsonBytes();
    }
}
