package io.prefectlifecycle.replay;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.avro.AvroEventEncoder;
import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.cdc.ChangeDecoder;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.cdc.WriterSchemas;
import io.prefectlifecycle.event.EventEncoder;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistryException;
import io.prefectlifecycle.stream.ChangeStream;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.stream.InMemoryRowStore;
import io.prefectlifecycle.stream.InMemoryTransactionState;
import io.prefectlifecycle.stream.InputRecord;
import io.prefectlifecycle.stream.OpenTransaction;
import io.prefectlifecycle.stream.Outcome;
import io.prefectlifecycle.topology.OutputRecords;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Re-derives events from the retained change stream, the way the live application did, into a target topic.
 * <ul>
 *   <li>Reads the CDC topic ({@link TopologySettings#cdcTopic()}, one partition: the database's commits in order) from
 *       its first retained offset up to the end offset captured at start, with no consumer group ({@code assign} +
 *       {@code seek}): the live application's offsets, state and changelogs are untouched. {@code read_committed},
 *       like the live app.</li>
 *   <li>Runs the records through a fresh {@link ChangeStream} with state in memory. Event ids are derived from the
 *       changes, so the events are the live run's, byte for byte. A transaction whose END is not yet in the topic at
 *       the end offset is not emitted (the live application has not emitted it either): the summary counts it.</li>
 *   <li>Writes with a transactional producer: key = resource id, headers {@code prefect.event},
 *       {@code prefect.resource.id} and {@code prefect.cdc.source} (the settings' source), timestamp = that of the record that completed the transaction (as the live
 *       app). A Kafka transaction never splits the events of one database transaction; it is committed about once
 *       a second. Interrupted or failed, the open Kafka transaction is aborted: what was committed stays, and a
 *       second replay writes those events again with the same ids.</li>
 *   <li>The target topic (and the dead-letter topic, when given) is created when missing, with the partitions and
 *       replication of the live events topic (of the live dead-letter topic), else the broker's defaults.</li>
 *   <li>Events are written in the settings' format: with {@code event.format=avro}, as Avro under the subject
 *       {@code <to-topic>-value}, so that a replay into the live topic writes the live run's bytes. CDC records
 *       written by an Avro converter are read through the same registry, as by the live app. A registry that does
 *       not answer stops the replay (the open Kafka transaction is aborted); the live app waits instead.</li>
 * </ul>
 */
public final class Replayer {

    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
    private static final long COMMIT_EVERY_NANOS = Duration.ofSeconds(1).toNanos();
    private static final int COMMIT_EVERY_RECORDS = 20_000;

    private final ReplayOptions options;
    private final Optional<SchemaRegistryClient> registry;
    private final PrintStream err;
    private final LongSupplier nanoTime;
    private volatile boolean stopRequested;
    private volatile KafkaConsumer<byte[], byte[]> activeConsumer;

    public Replayer(ReplayOptions options, PrintStream err, LongSupplier nanoTime) {
        this.options = options;
        this.registry = options.settings().schemaRegistry().map(r -> new SchemaRegistryClient(r.url()));
        this.err = err;
        this.nanoTime = nanoTime;
    }

    /** Asks a running replay to stop (from a shutdown hook): its open Kafka transaction is aborted. */
    public void stop() {
        stopRequested = true;
        KafkaConsumer<byte[], byte[]> consumer = activeConsumer;
        if (consumer != null) {
            consumer.wakeup();
        }
    }

    public ReplayResult run() throws ReplayException {
        long start = nanoTime.getAsLong();
        TopologySettings settings = options.settings();
        EventEncoder encoder = settings.eventEncoder(registry, options.toTopic());
        if (encoder instanceof AvroEventEncoder avro) {
            try {
                avro.schemaId(); // registered, or found: before anything is read, not after the first events
            } catch (SchemaRegistryException e) {
                throw new ReplayException("schema registry: " + e.getMessage(), e);
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                consumerProperties(options.clients()), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            activeConsumer = consumer;
            TopicPartition partition = partition(consumer, settings);
            consumer.assign(List.of(partition));
            long first = consumer.beginningOffsets(List.of(partition)).get(partition);
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            consumer.seek(partition, first);
            long total = Math.max(0, end - first);
            err.printf(
                    "replay: %s, %,d records up to the end offset at start, into %s%s%n",
                    settings.cdcTopic(),
                    total,
                    options.toTopic(),
                    options.from()
                            .map(f -> " (events occurred at or after " + f + ")")
                            .orElse(""));
            ReplayProgress progress = new ReplayProgress(total, start);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                    producerProperties(options.clients(), options.transactionalId()),
                    new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                Run run = new Run(consumer, producer, partition, first, end, progress, encoder);
                return run.execute(start);
            }
        } catch (WakeupException e) {
            throw new ReplayException("replay interrupted before it started: nothing was written");
        } catch (KafkaException e) {
            throw new ReplayException("replay failed: " + e, e);
        } finally {
            activeConsumer = null;
        }
    }

    /** The CDC topic's one partition, after the target topics are there. */
    private TopicPartition partition(KafkaConsumer<byte[], byte[]> consumer, TopologySettings settings)
            throws ReplayException {
        Map<String, List<PartitionInfo>> topics;
        try {
            topics = consumer.listTopics(METADATA_TIMEOUT);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new ReplayException(
                    "cannot list the topics of the Kafka cluster at "
                            + options.clients().getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) + " within "
                            + METADATA_TIMEOUT.toSeconds() + " s",
                    e);
        }
        if (options.toTopic().equals(settings.cdcTopic())) {
            throw new ReplayException("--to-topic " + options.toTopic() + " is the CDC topic");
        }
        List<PartitionInfo> cdc = topics.get(settings.cdcTopic());
        if (cdc == null || cdc.isEmpty()) {
            throw new ReplayException("the CDC topic " + settings.cdcTopic() + " does not exist; check --cdc-topic "
                    + "(or --topic-prefix) against the connector's topic.prefix and its routing (connect-config/)");
        }
        if (cdc.size() != 1) {
            throw new ReplayException("the CDC topic " + settings.cdcTopic() + " has " + cdc.size() + " partitions: "
                    + "a database's change stream is one partition, in commit order (connect-config/)");
        }
        createMissing(topics, settings);
        return new TopicPartition(settings.cdcTopic(), cdc.get(0).partition());
    }

    /** The target topics, like the live ones: same partitions and replication when those exist. */
    private void createMissing(Map<String, List<PartitionInfo>> topics, TopologySettings settings)
            throws ReplayException {
        Map<String, String> wanted = new LinkedHashMap<>();
        wanted.put(options.toTopic(), settings.eventsTopic());
        options.deadLetterTopic().ifPresent(t -> wanted.put(t, settings.deadLetterTopic()));
        wanted.keySet().removeAll(topics.keySet());
        if (wanted.isEmpty()) {
            return;
        }
        try (Admin admin = Admin.create(adminProperties(options.clients()))) {
            for (Map.Entry<String, String> topic : wanted.entrySet()) {
                List<PartitionInfo> like = topics.get(topic.getValue());
                Optional<Integer> partitions = like == null ? Optional.empty() : Optional.of(like.size());
                Optional<Short> replication = like == null || like.isEmpty()
                        ? Optional.empty()
                        : Optional.of((short) like.get(0).replicas().length);
                try {
                    admin.createTopics(List.of(new NewTopic(topic.getKey(), partitions, replication)))
                            .all()
                            .get(METADATA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    err.printf(
                            "replay: created %s (%s)%n",
                            topic.getKey(),
                            like == null
                                    ? "the broker's default partitions and replication"
                                    : "partitions and replication of " + topic.getValue());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new ReplayException(
                                "the target topic " + topic.getKey() + " does not exist and could "
                                        + "not be created (" + e.getCause().getMessage()
                                        + "): create it, or grant CREATE "
                                        + "on it",
                                e.getCause());
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new ReplayException(
                            "the target topic " + topic.getKey() + " does not exist and could "
                                    + "not be created within " + METADATA_TIMEOUT.toSeconds() + " s",
                            e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ReplayException("interrupted while creating " + topic.getKey(), e);
                }
            }
        }
    }

    static Properties adminProperties(Properties clients) {
        Properties props = new Properties();
        props.putAll(clients);
        props.keySet().removeIf(k -> !AdminClientConfig.configNames().contains(k.toString()));
        return props;
    }

    static Properties consumerProperties(Properties clients) {
        Properties props = new Properties();
        props.putAll(clients);
        // no consumer group: nothing is joined or committed, whatever the client configuration says
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // records deleted by retention while replaying must stop the replay, not be skipped silently
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "prefect-lifecycle-cdc-replay");
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        return props;
    }

    static Properties producerProperties(Properties clients, String transactionalId) {
        Properties props = new Properties();
        props.putAll(clients);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "prefect-lifecycle-cdc-replay");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        return props;
    }

    /** The state of one replay. */
    private final class Run {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final KafkaProducer<byte[], byte[]> producer;
        private final TopicPartition partition;
        private final long end;
        private long next;
        private final ReplayProgress progress;
        private final ChangeStream stream;
        private final EventEncoder encoder;
        private final Instant from;
        private long timestamp;
        private boolean inTransaction;
        private long transactionStart;
        private int sentInTransaction;
        private long eventsInTransaction;
        private long eventsCommitted;

        Run(
                KafkaConsumer<byte[], byte[]> consumer,
                KafkaProducer<byte[], byte[]> producer,
                TopicPartition partition,
                long first,
                long end,
                ReplayProgress progress,
                EventEncoder encoder) {
            this.consumer = consumer;
            this.producer = producer;
            this.partition = partition;
            this.next = first;
            this.end = end;
            this.progress = progress;
            TopologySettings settings = options.settings();
            ChangeDecoder decoder = new ChangeDecoder(
                    registry.<WriterSchemas>map(RegistryWriterSchemas::new).orElse(WriterSchemas.NONE));
            this.stream = new ChangeStream(
                    new InMemoryRowStore(),
                    new InMemoryTransactionState(),
                    settings.keyOverride(),
                    settings.emitSnapshotReads(),
                    decoder);
            this.encoder = encoder;
            this.from = options.from().orElse(null);
        }

        ReplayResult execute(long start) throws ReplayException {
            try {
                producer.initTransactions();
                while (next < end) {
                    if (stopRequested) {
                        throw new WakeupException();
                    }
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        if (record.offset() < end) {
                            process(record);
                        }
                    }
                    next = Math.max(next, consumer.position(partition)); // past aborted Kafka transactions' offsets
                    report();
                }
                commit();
            } catch (WakeupException e) {
                abort();
                throw new ReplayException("replay interrupted: the open Kafka transaction was aborted; the "
                        + eventsCommitted + " events committed before it stay");
            } catch (OffsetOutOfRangeException e) {
                abort();
                throw new ReplayException(
                        "CDC records were deleted by retention while being replayed (" + e.offsetOutOfRangePartitions()
                                + "): replay again, or re-snapshot (docs/operations.md)",
                        e);
            } catch (SchemaRegistryException e) {
                abort();
                throw new ReplayException(
                        "schema registry: " + e.getMessage() + ": the open Kafka transaction was "
                                + "aborted; the " + eventsCommitted
                                + " events committed before it stay; replay again once it "
                                + "answers",
                        e);
            } catch (ProducerFencedException e) {
                throw new ReplayException(
                        "another replay with transactional.id " + options.transactionalId()
                                + " started: this one was fenced off",
                        e);
            } catch (KafkaException e) {
                abort();
                throw e;
            }
            OpenTransaction open = stream.openTransaction();
            ReplayResult result = new ReplayResult(
                    progress.recordsRead(),
                    progress.eventsWritten(),
                    progress.eventsBeforeFrom(),
                    progress.deadLetters(),
                    open.isOpen() ? open.touched() : 0,
                    Duration.ofNanos(nanoTime.getAsLong() - start));
            err.println(summary(result));
            return result;
        }

        private void process(ConsumerRecord<byte[], byte[]> record) {
            progress.read(record.offset() + 1 - next);
            next = record.offset() + 1;
            timestamp = record.timestamp();
            stream.offer(
                    new InputRecord(record.topic(), record.partition(), record.offset(), record.key(), record.value()),
                    this::write);
            boolean due = sentInTransaction >= COMMIT_EVERY_RECORDS
                    || nanoTime.getAsLong() - transactionStart >= COMMIT_EVERY_NANOS;
            // a database transaction's events are all written by the record that ends it: never split by a commit
            if (inTransaction && due) {
                commit();
            }
            report();
        }

        private void write(Emission original) {
            List<byte[]> values = new ArrayList<>();
            Emission emission = OutputRecords.encode(original, encoder, options.settings(), values);
            emission.outcome()
                    .match(
                            events -> {
                                for (int i = 0; i < events.events().size(); i++) {
                                    LifecycleEvent event = events.events().get(i);
                                    boolean wanted =
                                            from == null || !event.occurred().isBefore(from);
                                    if (wanted) {
                                        send(new ProducerRecord<>(
                                                options.toTopic(),
                                                null,
                                                timestamp,
                                                OutputRecords.eventKey(event),
                                                values.get(i),
                                                OutputRecords.eventHeaders(
                                                        event,
                                                        options.settings().source())));
                                        eventsInTransaction++;
                                    }
                                    progress.event(wanted);
                                }
                                return null;
                            },
                            skipped -> null,
                            dead -> {
                                if (from == null || timestamp >= from.toEpochMilli()) {
                                    deadLetter(emission.source(), dead);
                                }
                                return null;
                            });
        }

        private void deadLetter(InputRecord source, Outcome.DeadLetter dead) {
            progress.deadLetter();
            if (options.deadLetterTopic().isPresent()) {
                send(new ProducerRecord<>(
                        options.deadLetterTopic().get(),
                        null,
                        timestamp,
                        source.key(),
                        source.value(),
                        OutputRecords.deadLetterHeaders(
                                source, dead, options.settings().source())));
            } else {
                ObjectNode line = Json.MAPPER.createObjectNode();
                line.put("topic", source.topic())
                        .put("partition", source.partition())
                        .put("offset", source.offset());
                line.put("reason", dead.reason()).put("exception_class", dead.exceptionClass());
                err.println(line);
            }
        }

        private void send(ProducerRecord<byte[], byte[]> record) {
            if (!inTransaction) {
                producer.beginTransaction();
                inTransaction = true;
                transactionStart = nanoTime.getAsLong();
                sentInTransaction = 0;
                eventsInTransaction = 0;
            }
            producer.send(record);
            sentInTransaction++;
        }

        private void commit() {
            if (inTransaction) {
                producer.commitTransaction();
                inTransaction = false;
                eventsCommitted += eventsInTransaction;
            }
        }

        private void abort() {
            if (inTransaction) {
                try {
                    producer.abortTransaction();
                } catch (KafkaException e) {
                    err.println("replay: could not abort the open transaction (" + e.getMessage()
                            + "); it is aborted by the broker after transaction.timeout.ms");
                }
                inTransaction = false;
            }
        }

        private void report() {
            String line = progress.due(nanoTime.getAsLong());
            if (line != null) {
                err.println(line);
            }
        }
    }

    static String summary(ReplayResult r) {
        double seconds = r.elapsed().toNanos() / 1e9;
        return String.format(
                Locale.ROOT,
                "replay: done: %,d records in %.1f s (%,.0f records/s); %,d events written"
                        + "%s (%,.0f events/s); %,d dead letters%s",
                r.recordsRead(),
                seconds,
                r.recordsPerSecond(),
                r.eventsWritten(),
                r.eventsBeforeFrom() > 0
                        ? String.format(Locale.ROOT, ", %,d before --from left out", r.eventsBeforeFrom())
                        : "",
                r.eventsPerSecond(),
                r.deadLetters(),
                r.openTransactionRows() > 0
                        ? String.format(
                                Locale.ROOT,
                                "; a transaction of %,d row(s) was still open at the end offset (its END not yet written): "
                                        + "not emitted, as the live application has not yet either",
                                r.openTransactionRows())
                        : "");
    }
}
