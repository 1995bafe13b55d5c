package io.prefectlifecycle.tail;

import io.prefectlifecycle.avro.AvroEventDecoder;
import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistryUnavailableException;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Follows the events topic: {@code read_committed}, no consumer group (nothing is committed; every tail starts at
 * the beginning or the end), filtered with {@link EventFilter}, de-duplicated by event id with {@link RecentIds}.
 * Partitions are read as the consumer fetches them: the order is per resource (one key, one partition), as the
 * topic guarantees. Avro events ({@code event.format=avro}: magic byte, schema id, Avro binary) are told apart per
 * record and read back into the JSON event through the schema registry ({@link AvroEventDecoder}), so the filters and
 * both outputs work on either format; a registry that does not answer makes the tail wait, not skip.
 */
public final class Tailer {

    /**
     * @param clients       Kafka client properties (bootstrap servers, SASL/SSL, …)
     * @param json          print each event's bytes as stored (else {@link TailedEvent#textLine()})
     * @param maxEvents     stop after printing this many; 0 = no limit
     * @param dedupeWindow  how many recent event ids to remember; 0 = no de-duplication
     * @param exitAtEnd     stop at the end offsets as of start
     * @param schemaRegistry where the writer schemas of Avro events are; without it an Avro event is skipped
     * @param sources       only events whose {@code prefect.cdc.source} header is one of these; empty = all
     */
    public record Options(
            Properties clients,
            String topic,
            EventFilter filter,
            boolean json,
            boolean fromBeginning,
            long maxEvents,
            int dedupeWindow,
            boolean exitAtEnd,
            Optional<URI> schemaRegistry,
            Set<String> sources) {
        public Options {
            sources = Set.copyOf(sources);
        }

        /** Events of every source. */
        public Options(
                Properties clients,
                String topic,
                EventFilter filter,
                boolean json,
                boolean fromBeginning,
                long maxEvents,
                int dedupeWindow,
                boolean exitAtEnd,
                Optional<URI> schemaRegistry) {
            this(
                    clients,
                    topic,
                    filter,
                    json,
                    fromBeginning,
                    maxEvents,
                    dedupeWindow,
                    exitAtEnd,
                    schemaRegistry,
                    Set.of());
        }
    }

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    private final Options options;
    private final OutputStream out;
    private final PrintStream err;
    private final Optional<AvroEventDecoder> avroEvents;
    private volatile boolean stopRequested;
    private volatile KafkaConsumer<byte[], byte[]> activeConsumer;

    public Tailer(Options options, OutputStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
        this.avroEvents = options.schemaRegistry()
                .map(url -> new AvroEventDecoder(new RegistryWriterSchemas(new SchemaRegistryClient(url))));
    }

    public void stop() {
        stopRequested = true;
        KafkaConsumer<byte[], byte[]> consumer = activeConsumer;
        if (consumer != null) {
            consumer.wakeup();
        }
    }

    static Properties consumerProperties(Properties clients) {
        Properties props = new Properties();
        props.putAll(clients);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "prefect-lifecycle-cdc-tail");
        return props;
    }

    /** Prints matching events until stopped, the limit or (with {@code exitAtEnd}) the end; returns how many. */
    public long run() {
        RecentIds recent = new RecentIds(options.dedupeWindow());
        long printed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                consumerProperties(options.clients()), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            activeConsumer = consumer;
            List<PartitionInfo> infos = consumer.partitionsFor(options.topic(), METADATA_TIMEOUT);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + options.topic() + " does not exist");
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            if (options.fromBeginning()) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            // resolve the start now, so that an event committed after the line below is seen
            partitions.forEach(consumer::position);
            Map<TopicPartition, Long> end = options.exitAtEnd() ? consumer.endOffsets(partitions) : Map.of();
            err.println("tail: reading " + options.topic() + " (" + partitions.size()
                    + (partitions.size() == 1 ? " partition" : " partitions") + ") from the "
                    + (options.fromBeginning() ? "beginning" : "end"));
            while (!stopRequested) {
                if (options.exitAtEnd() && partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p))) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    if (options.exitAtEnd() && record.offset() >= end.get(partition)) {
                        continue;
                    }
                    if (handle(record, recent)) {
                        printed++;
                        if (options.maxEvents() > 0 && printed >= options.maxEvents()) {
                            out.flush();
                            return printed;
                        }
                    }
                }
                out.flush();
            }
            out.flush();
        } catch (WakeupException e) {
            flushQuietly();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            activeConsumer = null;
        }
        return printed;
    }

    private boolean handle(ConsumerRecord<byte[], byte[]> record, RecentIds recent) throws IOException {
        if (!options.sources().isEmpty()) {
            String source = source(record);
            if (source == null || !options.sources().contains(source)) {
                return false;
            }
        }
        TailedEvent event;
        byte[] json;
        try {
            json = json(record.value());
            event = TailedEvent.parse(json);
        } catch (IllegalArgumentException e) {
            err.println("tail: skipped " + record.topic() + "-" + record.partition() + "@" + record.offset() + ": "
                    + e.getMessage());
            return false;
        }
        if (!options.filter().includes(event) || !recent.firstSeen(event.id())) {
            return false;
        }
        if (options.json()) {
            out.write(json);
        } else {
            out.write(event.textLine().getBytes(StandardCharsets.UTF_8));
        }
        out.write('\n');
        return true;
    }

    /** The {@code prefect.cdc.source} header's value; {@code null} for events written before sources. */
    private static String source(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(TopologySettings.SOURCE_HEADER);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The event's JSON: the stored bytes, or an Avro event read back (Prefect's bytes, as the JSON format stores). */
    private byte[] json(byte[] value) {
        if (!ConfluentWireFormat.startsWithMagic(value)) {
            return value;
        }
        AvroEventDecoder decoder = avroEvents.orElseThrow(() -> new IllegalArgumentException(
                "an Avro event: give --schema-registry-url (or PREFECT_CDC_SCHEMA_REGISTRY_URL) to read it"));
        while (true) {
            try {
                return decoder.decode(value).toJsonBytes();
            } catch (SchemaRegistryUnavailableException e) {
                if (stopRequested) {
                    throw new WakeupException();
                }
                err.println("tail: waiting for the schema registry: " + e.getMessage());
            }
        }
    }

    private void flushQuietly() {
        try {
            out.flush();
        } catch (IOException ignored) {
            // stdout closed: nothing left to tell
        }
    }
}
