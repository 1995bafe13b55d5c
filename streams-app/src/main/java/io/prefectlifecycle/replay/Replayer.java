package io.prefectlifecycle.replay;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.avro.AvroEventEncoder;
import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.cdc.ChangeDecoder;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.cdc.WriterSchemas;
import io.prefectlifecycle.event.EventEncoder;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.pipeline.Emission;
import io.prefectlifecycle.pipeline.InMemoryRowStore;
import io.prefectlifecycle.pipeline.InMemoryTransactionLog;
import io.prefectlifecycle.pipeline.InputRecord;
import io.prefectlifecycle.pipeline.LifecycleEngine;
import io.prefectlifecycle.pipeline.Outcome;
import io.prefectlifecycle.pipeline.OutputRecords;
import io.prefectlifecycle.pipeline.TransactionalPipeline;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistryException;
import io.prefectlifecycle.topology.TopologySettings;
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
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Re-derives events from the retained CDC topics, the way the live application did, into a target topic.
 * <ul>
 *   <li>Reads every CDC partition ({@link TopologySettings#cdcTopics()}) from its first retained offset up to the
 *       end offsets captured at start, with no consumer group ({@code assign} + {@code seek}): the live
 *       application's offsets, state and changelogs are untouched. {@code read_committed}, like the live app.</li>
 *   <li>Merges the partitions as the live app's single task does ({@link TimestampMerge}) and runs them through a
 *       fresh {@link TransactionalPipeline} with state in memory. Event ids are derived from the changes, so the
 *       events are the live run's, byte for byte. The transaction timeout runs on record timestamps, the replay's
 *       clock.</li>
 *   <li>Writes with a transactional producer: key = resource id, headers {@code prefect.event} and
 *       {@code prefect.resource.id}, timestamp = that of the record that completed the transaction (as the live
 *       app). A Kafka transaction never splits the events of one database transaction; it is committed about once
 *       a second. Interrupted or failed, the open Kafka transaction is aborted: what was committed stays, and a
 *       second replay writes those events again with the same ids.</li>
 *   <li>Events are written in the settings' format: with {@code event.format=avro}, as Avro under the subject
 *       {@code <to-topic>-value}, so that a replay into the live topic writes the live run's bytes. CDC records
 *       written by an Avro converter are read through the same registry, as by the live app. A registry that does
 *       not answer stops the replay (the open Kafka transaction is aborted); the live app waits instead.</li>
 * </ul>
 */
public final class Replayer {

    static final int MAX_BUFFERED_PER_PARTITION = 5_000;
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
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties(options.clients()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            activeConsumer = consumer;
            List<TopicPartition> partitions = partitions(consumer, settings);
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            TimestampMerge merge = new TimestampMerge(partitions, settings.transactionTopic());
            Map<TopicPartition, Long> next = new HashMap<>();
            long total = 0;
            for (TopicPartition partition : partitions) {
                long first = begin.get(partition);
                long last = end.get(partition);
                total += Math.max(0, last - first);
                next.put(partition, first);
                consumer.seek(partition, first);
                if (first >= last) {
                    merge.exhausted(partition);
                }
            }
            err.printf("replay: %d CDC partitions, %,d records up to the end offsets at start, into %s%s%n",
                    partitions.size(), total, options.toTopic(),
                    options.from().map(f -> " (events occurred at or after " + f + ")").orElse(""));
            ReplayProgress progress = new ReplayProgress(total, start);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                    producerProperties(options.clients(), options.transactionalId()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                Run run = new Run(consumer, producer, merge, end, next, progress, encoder);
                return run.execute(start, partitions.size());
            }
        } catch (WakeupException e) {
            throw new ReplayException("replay interrupted before it started: nothing was written");
        } catch (KafkaException e) {
            throw new ReplayException("replay failed: " + e, e);
        } finally {
            activeConsumer = null;
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, TopologySettings settings)
            throws ReplayException {
        Map<String, List<PartitionInfo>> topics;
        try {
            topics = consumer.listTopics(METADATA_TIMEOUT);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new ReplayException("cannot list the topics of the Kafka cluster at "
                    + options.clients().getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) + " within "
                    + METADATA_TIMEOUT.toSeconds() + " s", e);
        }
        Pattern cdc = settings.cdcTopics();
        if (cdc.matcher(options.toTopic()).matches()) {
            throw new ReplayException("--to-topic " + options.toTopic() + " is a CDC topic");
        }
        if (!topics.containsKey(options.toTopic())) {
            throw new ReplayException("the target topic " + options.toTopic() + " does not exist: create it first "
                    + "(for example with as many partitions as " + TopologySettings.DEFAULT_EVENTS_TOPIC + ")");
        }
        if (options.deadLetterTopic().isPresent() && !topics.containsKey(options.deadLetterTopic().get())) {
            throw new ReplayException("the dead-letter topic " + options.deadLetterTopic().get()
                    + " does not exist: create it first, or leave out --dead-letter-topic to print dead letters");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        topics.entrySet().stream()
                .filter(t -> cdc.matcher(t.getKey()).matches())
                .sorted(Map.Entry.comparingByKey())
                .forEach(t -> t.getValue().forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition()))));
        if (partitions.isEmpty()) {
            throw new ReplayException("no CDC topics: none of " + settings.cdcTopic("<table>")
                    + " (for the captured tables) or " + settings.transactionTopic() + " exists; check --topic-prefix "
                    + "and --schema against Debezium's topic.prefix");
        }
        return partitions;
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
        private final TimestampMerge merge;
        private final Map<TopicPartition, Long> end;
        private final Map<TopicPartition, Long> next;
        private final ReplayProgress progress;
        private final TransactionalPipeline pipeline;
        private final EventEncoder encoder;
        private final Instant from;
        private long clock = Long.MIN_VALUE;
        private boolean inTransaction;
        private long transactionStart;
        private int sentInTransaction;
        private long eventsInTransaction;
        private long eventsCommitted;

        Run(KafkaConsumer<byte[], byte[]> consumer, KafkaProducer<byte[], byte[]> producer, TimestampMerge merge,
            Map<TopicPartition, Long> end, Map<TopicPartition, Long> next, ReplayProgress progress,
            EventEncoder encoder) {
            this.consumer = consumer;
            this.producer = producer;
            this.merge = merge;
            this.end = end;
            this.next = next;
            this.progress = progress;
            TopologySettings settings = options.settings();
            ChangeDecoder decoder = new ChangeDecoder(registry.<WriterSchemas>map(RegistryWriterSchemas::new)
                    .orElse(WriterSchemas.NONE));
            LifecycleEngine engine = new LifecycleEngine(new InMemoryRowStore(), settings.keyOverride(),
                    settings.emitSnapshotReads(), decoder);
            this.encoder = encoder;
            this.pipeline = new TransactionalPipeline(engine, new InMemoryTransactionLog(),
                    settings.transactionTimeout().toMillis());
            this.from = options.from().orElse(null);
        }

        ReplayResult execute(long start, int partitionCount) throws ReplayException {
            try {
                producer.initTransactions();
                while (!merge.finished()) {
                    if (stopRequested) {
                        throw new WakeupException();
                    }
                    while (merge.ready()) {
                        process(merge.next());
                    }
                    if (!merge.finished()) {
                        fetch();
                    }
                    report();
                }
                write(pipeline.flushAll(), clock == Long.MIN_VALUE ? System.currentTimeMillis() : clock);
                commit();
            } catch (WakeupException e) {
                abort();
                throw new ReplayException("replay interrupted: the open Kafka transaction was aborted; the "
                        + eventsCommitted + " events committed before it stay");
            } catch (OffsetOutOfRangeException e) {
                abort();
                throw new ReplayException("CDC records were deleted by retention while being replayed ("
                        + e.offsetOutOfRangePartitions() + "): replay again, or re-snapshot (docs/operations.md)", e);
            } catch (SchemaRegistryException e) {
                abort();
                throw new ReplayException("schema registry: " + e.getMessage() + ": the open Kafka transaction was "
                        + "aborted; the " + eventsCommitted + " events committed before it stay; replay again once it "
                        + "answers", e);
            } catch (ProducerFencedException e) {
                throw new ReplayException("another replay with transactional.id " + options.transactionalId()
                        + " started: this one was fenced off", e);
            } catch (KafkaException e) {
                abort();
                throw e;
            }
            long elapsed = nanoTime.getAsLong() - start;
            ReplayResult result = new ReplayResult(progress.recordsRead(), partitionCount, progress.eventsWritten(),
                    progress.eventsBeforeFrom(), progress.deadLetters(), pipeline.incompleteTransactions(),
                    Duration.ofNanos(elapsed));
            err.println(summary(result));
            return result;
        }

        private void process(ConsumerRecord<byte[], byte[]> record) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            progress.read(record.offset() + 1 - next.get(partition));
            next.put(partition, record.offset() + 1);
            clock = Math.max(clock, record.timestamp());
            InputRecord input = new InputRecord(record.topic(), record.partition(), record.offset(), record.key(),
                    record.value());
            write(pipeline.offer(input, clock), record.timestamp());
            boolean due = sentInTransaction >= COMMIT_EVERY_RECORDS
                    || nanoTime.getAsLong() - transactionStart >= COMMIT_EVERY_NANOS;
            if (inTransaction && due) {
                commit();
            }
            report();
        }

        private void fetch() {
            List<TopicPartition> pause = new ArrayList<>();
            List<TopicPartition> resume = new ArrayList<>();
            for (TopicPartition partition : consumer.assignment()) {
                boolean full = !merge.isOpen(partition) || merge.buffered(partition) >= MAX_BUFFERED_PER_PARTITION;
                (full ? pause : resume).add(partition);
            }
            consumer.pause(pause);
            consumer.resume(resume);
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                if (merge.isOpen(partition) && record.offset() < end.get(partition)) {
                    merge.add(record);
                }
            }
            for (TopicPartition partition : resume) {
                if (merge.isOpen(partition) && consumer.position(partition) >= end.get(partition)) {
                    merge.exhausted(partition);
                }
            }
        }

        private void write(List<Emission> emissions, long timestamp) {
            for (Emission original : emissions) {
                List<byte[]> values = new ArrayList<>();
                Emission emission = OutputRecords.encode(original, encoder, options.settings().eventFormat(), values);
                Outcome outcome = emission.outcome();
                outcome.match(
                        events -> {
                            for (int i = 0; i < events.events().size(); i++) {
                                LifecycleEvent event = events.events().get(i);
                                boolean wanted = from == null || !event.occurred().isBefore(from);
                                if (wanted) {
                                    send(new ProducerRecord<>(options.toTopic(), null, timestamp,
                                            OutputRecords.eventKey(event), values.get(i),
                                            OutputRecords.eventHeaders(event)));
                                    eventsInTransaction++;
                                }
                                progress.event(wanted);
                            }
                            return null;
                        },
                        skipped -> null,
                        dead -> {
                            if (from == null || clock >= from.toEpochMilli()) {
                                deadLetter(emission.source(), dead, timestamp);
                            }
                            return null;
                        });
            }
        }

        private void deadLetter(InputRecord source, Outcome.DeadLetter dead, long timestamp) {
            progress.deadLetter();
            if (options.deadLetterTopic().isPresent()) {
                send(new ProducerRecord<>(options.deadLetterTopic().get(), null, timestamp, source.key(),
                        source.value(), OutputRecords.deadLetterHeaders(source, dead)));
            } else {
                ObjectNode line = Json.MAPPER.createObjectNode();
                line.put("topic", source.topic()).put("partition", source.partition()).put("offset", source.offset());
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
        return String.format(Locale.ROOT,
                "replay: done: %,d records from %d partitions in %.1f s (%,.0f records/s); %,d events written"
                        + "%s (%,.0f events/s); %,d dead letters; %,d transaction(s) emitted incomplete",
                r.recordsRead(), r.partitions(), seconds, r.recordsPerSecond(), r.eventsWritten(),
                r.eventsBeforeFrom() > 0 ? String.format(Locale.ROOT, ", %,d before --from left out",
                        r.eventsBeforeFrom()) : "",
                r.eventsPerSecond(), r.deadLetters(), r.incompleteTransactions());
    }
}
