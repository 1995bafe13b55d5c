package io.prefectlifecycle.cli;

import io.prefectlifecycle.avro.AvroEventDecoder;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code local}'s view of the events topic: committed events ({@code read_committed}) from where the topic ended when
 * it was opened (so a resumed run does not print the last run's events again), each printed as one JSON line; Avro
 * events read back through the registry they were written with. No consumer group: it only prints.
 */
public final class EventPrinter implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Optional<AvroEventDecoder> avroEvents;

    private EventPrinter(KafkaConsumer<byte[], byte[]> consumer, Optional<AvroEventDecoder> avroEvents) {
        this.consumer = consumer;
        this.avroEvents = avroEvents;
    }

    /** Positioned at the current end of {@code topic}: open it before the app starts writing. */
    public static EventPrinter atEndOf(String bootstrapServers, String topic, Optional<AvroEventDecoder> avroEvents) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        ends.forEach(consumer::seek);
        return new EventPrinter(consumer, avroEvents);
    }

    /**
     * Prints what arrives within {@code timeout}.
     *
     * @throws org.apache.kafka.common.errors.WakeupException after {@link #wakeup()}
     */
    public void printArriving(PrintStream out, Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
            out.println(
                    avroEvents.isPresent() && ConfluentWireFormat.isFramed(record.value())
                            ? avroEvents.get().decode(record.value()).toJson()
                            : new String(record.value(), StandardCharsets.UTF_8));
        }
    }

    /** Makes a {@link #printArriving} in progress, or the next one, return at once; from any thread. */
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}
