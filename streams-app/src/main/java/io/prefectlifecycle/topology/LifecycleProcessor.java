package io.prefectlifecycle.topology;

import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.cdc.ChangeDecoder;
import io.prefectlifecycle.cdc.WriterSchemas;
import io.prefectlifecycle.event.EventEncoder;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs each CDC record through the {@link TransactionalPipeline} and forwards events and dead letters. An event that
 * its format cannot represent sends its source record to the dead letters; a schema registry that does not answer
 * makes the task start again from its last commit (the record waits; see {@link #waitForRegistry}).
 */
final class LifecycleProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(LifecycleProcessor.class);
    private static final Duration EXPIRY_CHECK = Duration.ofMillis(500);
    /** The {@code dlq.exception.class} of records and events too large to write ({@link RecordSizeLimit}). */
    static final String RECORD_TOO_LARGE = "RecordTooLarge";
    private static final int MAX_KEPT_KEY = 16 * 1024;

    private final TopologySettings settings;
    private final Optional<SchemaRegistryClient> registry;
    private ProcessorContext<byte[], byte[]> context;
    private EventEncoder encoder;
    private TransactionalPipeline pipeline;
    private PipelineMetrics metrics = PipelineMetrics.NONE;
    private RecordSizeLimit sizeLimit;
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
        this.encoder = settings.eventEncoder(registry, settings.eventsTopic());
        this.pipeline = new TransactionalPipeline(engine, new StoreBackedTransactionLog(transactions),
                settings.transactionTimeout().toMillis());
        this.metrics = PipelineMetrics.from(context.appConfigs());
        this.sizeLimit = RecordSizeLimit.from(context.appConfigs());
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
     * since start), the idle wall-clock time beyond it is added; at once when no transaction waits for its END.
     */
    private long transactionClock(long wallClockMs) {
        long idle = wallClockMs - lastInputWallMs;
        if (idle <= 0) {
            return clock;
        }
        // only a transaction whose END may be held up in Connect needs the long grace; without metadata (no END to
        // wait for) the silence counts at once, so the last transaction before a quiet period waits the timeout only
        idle -= pipeline.awaitsEnd() ? TopologySettings.TRANSACTION_TIMEOUT_IDLE_FALLBACK.toMillis() : 0;
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
        if (!sizeLimit.fits(record.key(), record.value())) {
            forward(List.of(tooLarge(input)), record.timestamp());
            return;
        }
        try {
            forward(pipeline.offer(input, transactionClock(context.currentSystemTimeMs())), record.timestamp());
        } catch (SchemaRegistryUnavailableException e) {
            throw waitForRegistry(e, where.topic() + "-" + where.partition() + "@" + where.offset());
        }
        reportIncomplete();
    }

    /**
     * A record too large to write anywhere: dead-lettered without its bytes (they stay at the source offset), so that
     * the app neither fails on it nor stops behind it. Its change is not applied: a transaction it belongs to is
     * emitted without it when the transaction timeout runs out.
     */
    private Emission tooLarge(InputRecord input) {
        long size = RecordSizeLimit.size(input.key(), input.value());
        // the key is a primary key, small: kept (a compacted dead-letter topic refuses null keys), unless it is the problem
        boolean keepKey = input.key() != null && input.key().length <= MAX_KEPT_KEY;
        InputRecord withoutBytes = new InputRecord(input.topic(), input.partition(), input.offset(),
                keepKey ? input.key() : null, null);
        return new Emission(withoutBytes, new Outcome.DeadLetter("record of " + size + " bytes is larger than the "
                + "app's max.request.size of " + sizeLimit.maxRequestSize() + " bytes (less "
                + RecordSizeLimit.HEADROOM + " for framing): " + (keepKey ? "value" : "key and value")
                + " left out, read it at the source offset; raise KAFKA_MAX_REQUEST_SIZE and the topics' "
                + "max.message.bytes to process such records", RECORD_TOO_LARGE));
    }

    /** The registry did not answer within the client's retry budget: the task gives up its uncommitted work (nothing of
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
            LOG.warn("emitted {} transaction(s) incomplete after waiting {} (the last: {})", incomplete,
                    settings.transactionTimeout(), pipeline.lastIncomplete());
            metrics.incompleteTransactions(incomplete);
        }
    }

    private void forward(List<Emission> emissions, long timestamp) {
        for (Emission original : emissions) {
            List<byte[]> values = new ArrayList<>();
            Emission emission = withinSizeLimit(OutputRecords.encode(original, encoder, settings.eventFormat(), values),
                    values);
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

    /** An event larger than the producer can write sends its source record to the dead letters instead. */
    private Emission withinSizeLimit(Emission emission, List<byte[]> values) {
        if (emission.outcome() instanceof Outcome.Events events) {
            for (int i = 0; i < values.size(); i++) {
                byte[] value = values.get(i);
                if (!sizeLimit.fits(OutputRecords.eventKey(events.events().get(i)), value)) {
                    values.clear();
                    return new Emission(emission.source(), new Outcome.DeadLetter("the event of " + value.length
                            + " bytes is larger than the app's max.request.size of " + sizeLimit.maxRequestSize()
                            + " bytes (less " + RecordSizeLimit.HEADROOM + " for framing)", RECORD_TOO_LARGE));
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

    /**
     * The engine's row state on the task's changelogged store, with the rows read or written lately kept as objects:
     * a churned concurrency limit or a block schema that documents look up is parsed once, not on every change.
     * Valid because the task's processor is the store's only writer; rebuilt empty whenever the task starts.
     */
    private static final class StoreBackedRows implements RowStore {
        private static final int RECENT_ROWS = 10_000;
        private final KeyValueStore<String, byte[]> store;
        private final Map<String, StoredRow> recent = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, StoredRow> eldest) {
                return size() > RECENT_ROWS;
            }
        };

        StoreBackedRows(KeyValueStore<String, byte[]> store) {
            this.store = store;
        }

        @Override
        public StoredRow get(String key) {
            StoredRow row = recent.get(key);
            if (row == null) {
                byte[] bytes = store.get(key);
                if (bytes == null) {
                    return null;
                }
                row = StoredRow.fromBytes(bytes);
                recent.put(key, row);
            }
            return row;
        }

        @Override
        public void put(String key, StoredRow row) {
            store.put(key, row.toBytes());
            recent.put(key, row);
        }

        @Override
        public void delete(String key) {
            store.delete(key);
            recent.remove(key);
        }
    }
}
