package io.prefectlifecycle.topology;

import io.prefectlifecycle.avro.AvroEventEncoder;
import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.cdc.ChangeDecoder;
import io.prefectlifecycle.cdc.WriterSchemas;
import io.prefectlifecycle.event.EventEncoder;
import io.prefectlifecycle.event.EventEncodingException;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.pipeline.Emission;
import io.prefectlifecycle.pipeline.InputRecord;
import io.prefectlifecycle.pipeline.LifecycleEngine;
import io.prefectlifecycle.pipeline.Outcome;
import io.prefectlifecycle.pipeline.OutputRecords;
import io.prefectlifecycle.pipeline.RowStore;
import io.prefectlifecycle.pipeline.StoredRow;
import io.prefectlifecycle.pipeline.TransactionalPipeline;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistryUnavailableException;
import org.apache.kafka.streams.errors.TaskMigratedException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs each CDC record through the {@link TransactionalPipeline} and forwards events and dead letters. An event that
 * its format cannot represent sends its source record to the dead letters; a schema registry that does not answer
 * makes the task start again from its last commit (the record waits; see {@link #waitForRegistry}).
 */
final class LifecycleProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(LifecycleProcessor.class);
    private static final Duration EXPIRY_CHECK = Duration.ofMillis(500);

    private final TopologySettings settings;
    private final Optional<SchemaRegistryClient> registry;
    private ProcessorContext<byte[], byte[]> context;
    private EventEncoder encoder;
    private TransactionalPipeline pipeline;
    private PipelineMetrics metrics = PipelineMetrics.NONE;
    private long incompleteReported;
    /** {@link #transactionClock}: its value, the newest record timestamp read, when the last record (or start) was. */
    private long clock;
    private long recordTime = Long.MIN_VALUE;
    private long lastInputWallMs;

    LifecycleProcessor(TopologySettings settings, Optional<SchemaRegistryClient> registry) {
        this.settings = settings;
        this.registry = registry;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        KeyValueStore<String, byte[]> rows = context.getStateStore(LifecycleTopology.ROW_STORE);
        KeyValueStore<String, byte[]> transactions = context.getStateStore(LifecycleTopology.TRANSACTION_STORE);
        ChangeDecoder decoder = new ChangeDecoder(registry.<WriterSchemas>map(RegistryWriterSchemas::new)
                .orElse(WriterSchemas.NONE));
        LifecycleEngine engine = new LifecycleEngine(new StoreBackedRows(rows), settings.keyOverride(),
                settings.emitSnapshotReads(), decoder);
        this.encoder = switch (settings.eventFormat()) {
            case JSON -> EventEncoder.JSON;
            case AVRO -> new AvroEventEncoder(registry.orElseThrow(), settings.eventsTopic(),
                    settings.schemaRegistry().orElseThrow().autoRegister());
        };
        this.pipeline = new TransactionalPipeline(engine, new StoreBackedTransactionLog(transactions),
                settings.transactionTimeout().toMillis());
        this.metrics = PipelineMetrics.from(context.appConfigs());
        this.lastInputWallMs = context.currentSystemTimeMs();
        context.schedule(EXPIRY_CHECK, PunctuationType.WALL_CLOCK_TIME, now -> {
            try {
                forward(pipeline.expire(transactionClock(now)), now);
            } catch (SchemaRegistryUnavailableException e) {
                throw waitForRegistry(e, "transaction timeout");
            }
            reportIncomplete();
        });
    }

    /**
     * The time transaction timeouts count in: it advances with the timestamps of the CDC records read, not with the
     * wall clock, so an app that is behind (a backlog after a restart, a starved CPU) does not cut a transaction whose
     * END is already waiting in its input. A jump between two records (an outage of Connect, a quiet database) counts
     * for at most half the timeout: a transaction cut by a Connect crash is completed by the first records after it.
     * After {@link TopologySettings#TRANSACTION_TIMEOUT_IDLE_FALLBACK} without any input (since the last record, or
     * since start), the idle wall-clock time beyond it is added.
     */
    private long transactionClock(long wallClockMs) {
        long idle = wallClockMs - lastInputWallMs - TopologySettings.TRANSACTION_TIMEOUT_IDLE_FALLBACK.toMillis();
        if (idle <= 0) {
            return clock;
        }
        return (recordTime == Long.MIN_VALUE ? pipeline.lastActivity().orElse(0) : clock) + idle;
    }

    private void advanceClock(long recordTimestamp) {
        if (recordTime == Long.MIN_VALUE) { // first record since start: go on from the buffered transactions' time
            clock = pipeline.lastActivity().orElse(recordTimestamp);
            recordTime = recordTimestamp;
        } else if (recordTimestamp > recordTime) {
            clock += Math.min(recordTimestamp - recordTime, settings.transactionTimeout().toMillis() / 2);
            recordTime = recordTimestamp;
        }
        lastInputWallMs = context.currentSystemTimeMs();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        InputRecord input = new InputRecord(where.topic(), where.partition(), where.offset(), record.key(), record.value());
        advanceClock(record.timestamp());
        try {
            forward(pipeline.offer(input, transactionClock(context.currentSystemTimeMs())), record.timestamp());
        } catch (SchemaRegistryUnavailableException e) {
            throw waitForRegistry(e, where.topic() + "-" + where.partition() + "@" + where.offset());
        }
        reportIncomplete();
    }

    /**
     * The registry did not answer within the client's retry budget: the task gives up its uncommitted work (nothing of
     * it is visible with exactly-once) and the thread rejoins the group, so the record is read again from the last
     * commit, as often as it takes. Kafka Streams handles TaskMigratedException in place, without the consumer-group
     * session timeout a replaced thread would wait for.
     */
    private static TaskMigratedException waitForRegistry(SchemaRegistryUnavailableException e, String where) {
        LOG.warn("{}: the schema registry does not answer; the record waits and is read again: {}", where,
                e.getMessage());
        return new TaskMigratedException("schema registry unavailable at " + where, e);
    }

    private void reportIncomplete() {
        long incomplete = pipeline.incompleteTransactions() - incompleteReported;
        if (incomplete > 0) {
            incompleteReported += incomplete;
            LOG.warn("emitted {} transaction(s) incomplete after waiting {}", incomplete, settings.transactionTimeout());
            metrics.incompleteTransactions(incomplete);
        }
    }

    private void forward(List<Emission> emissions, long timestamp) {
        for (Emission original : emissions) {
            List<byte[]> values = new ArrayList<>();
            Emission emission = encoded(original, values);
            InputRecord source = emission.source();
            Outcome outcome = emission.outcome();
            metrics.outcome(emission);
            outcome.match(
                    events -> {
                        for (int i = 0; i < events.events().size(); i++) {
                            forwardEvent(events.events().get(i), values.get(i), timestamp);
                        }
                        return null;
                    },
                    skipped -> {
                        LOG.debug("skipped {}-{}@{}: {}", source.topic(), source.partition(), source.offset(),
                                skipped.reason());
                        return null;
                    },
                    dead -> {
                        forwardDeadLetter(source, dead, timestamp);
                        return null;
                    });
        }
    }

    /** Adds the values of the emission's events to {@code values}; a dead letter when one cannot be encoded. */
    private Emission encoded(Emission emission, List<byte[]> values) {
        if (emission.outcome() instanceof Outcome.Events events) {
            for (LifecycleEvent event : events.events()) {
                try {
                    values.add(encoder.encode(event));
                } catch (EventEncodingException e) {
                    values.clear();
                    return new Emission(emission.source(), new Outcome.DeadLetter("the event cannot be written as "
                            + settings.eventFormat().value() + ": " + e.getMessage(), e.getClass().getSimpleName()));
                }
            }
        }
        return emission;
    }

    private void forwardEvent(LifecycleEvent event, byte[] value, long timestamp) {
        context.forward(new Record<>(OutputRecords.eventKey(event), value, timestamp, OutputRecords.eventHeaders(event)),
                LifecycleTopology.EVENTS_SINK);
    }

    private void forwardDeadLetter(InputRecord source, Outcome.DeadLetter dead, long timestamp) {
        LOG.warn("dead letter {}-{}@{}: {}", source.topic(), source.partition(), source.offset(), dead.reason());
        context.forward(new Record<>(source.key(), source.value(), timestamp, OutputRecords.deadLetterHeaders(source, dead)),
                LifecycleTopology.DEAD_LETTER_SINK);
    }

    /** The engine's row state on the task's changelogged store. */
    private record StoreBackedRows(KeyValueStore<String, byte[]> store) implements RowStore {
        @Override
        public StoredRow get(String key) {
            byte[] bytes = store.get(key);
            return bytes == null ? null : StoredRow.fromBytes(bytes);
        }

        @Override
        public void put(String key, StoredRow row) {
            store.put(key, row.toBytes());
        }

        @Override
        public void delete(String key) {
            store.delete(key);
        }
    }
}
