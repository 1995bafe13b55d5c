package io.prefectlifecycle.topology;

import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.cdc.ChangeDecoder;
import io.prefectlifecycle.cdc.DeadLetterCategory;
import io.prefectlifecycle.cdc.IgnoredCategory;
import io.prefectlifecycle.cdc.WriterSchemas;
import io.prefectlifecycle.event.EventEncoder;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistryUnavailableException;
import io.prefectlifecycle.stream.ChangeStream;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.stream.InputRecord;
import io.prefectlifecycle.stream.OpenTransaction;
import io.prefectlifecycle.stream.Outcome;
import org.apache.kafka.streams.errors.TaskMigratedException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs each record of the change stream through the {@link ChangeStream} and forwards events and dead letters. An
 * event that its format cannot represent sends its source record to the dead letters; a schema registry that does not
 * answer makes the task start again from its last commit (the record waits; see {@link #waitForRegistry}).
 */
final class LifecycleProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(LifecycleProcessor.class);
    private static final int MAX_KEPT_KEY = 16 * 1024;

    private final TopologySettings settings;
    private final LifecycleTopology.Nodes nodes;
    private final Optional<SchemaRegistryClient> registry;
    private ProcessorContext<byte[], byte[]> context;
    private EventEncoder encoder;
    private ChangeStream stream;
    private PipelineMetrics metrics = PipelineMetrics.NONE;
    private RecordSizeLimit sizeLimit;
    /** The open transaction last reported to the metrics, and since when (wall clock) this task has seen it open. */
    private OpenTransaction reported = OpenTransaction.NONE;

    private long openSinceMs;
    private long timestamp;
    /** Whether the upgrade being emitted was logged: an upgrade is worth one INFO, not one per row it rewrote. */
    private boolean upgradeLogged;

    LifecycleProcessor(
            TopologySettings settings, LifecycleTopology.Nodes nodes, Optional<SchemaRegistryClient> registry) {
        this.settings = settings;
        this.nodes = nodes;
        this.registry = registry;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        KeyValueStore<String, byte[]> rows = context.getStateStore(LifecycleTopology.rowStore(settings.source()));
        KeyValueStore<String, byte[]> transaction =
                context.getStateStore(LifecycleTopology.transactionStore(settings.source()));
        ChangeDecoder decoder = new ChangeDecoder(
                registry.<WriterSchemas>map(RegistryWriterSchemas::new).orElse(WriterSchemas.NONE));
        this.stream = new ChangeStream(
                new StoreBackedRows(rows),
                new StoreBackedTransactionState(transaction),
                settings.keyOverride(),
                settings.emitSnapshotReads(),
                decoder);
        this.encoder = settings.eventEncoder(registry, settings.eventsTopic());
        this.metrics = PipelineMetrics.from(context.appConfigs()).forSource(settings.source());
        this.sizeLimit = RecordSizeLimit.from(context.appConfigs());
        reportOpenTransaction();
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        InputRecord input =
                new InputRecord(where.topic(), where.partition(), where.offset(), record.key(), record.value());
        timestamp = record.timestamp();
        if (!sizeLimit.fits(record.key(), record.value())) {
            forward(tooLarge(input));
            return;
        }
        try {
            stream.offer(input, this::forward);
        } catch (SchemaRegistryUnavailableException e) {
            throw waitForRegistry(e, where.topic() + "-" + where.partition() + "@" + where.offset());
        }
        reportOpenTransaction();
    }

    /** The task leaves this instance (closed, moved, or the app stops): its open transaction is no longer this one's. */
    @Override
    public void close() {
        metrics.openTransaction(0, 0);
        reported = OpenTransaction.NONE;
    }

    private void reportOpenTransaction() {
        OpenTransaction open = stream.openTransaction();
        if (open.equals(reported)) {
            return;
        }
        if (open.sequence() != reported.sequence()) {
            openSinceMs = context.currentSystemTimeMs();
        }
        reported = open;
        metrics.openTransaction(open.isOpen() ? open.touched() : 0, open.isOpen() ? openSinceMs : 0);
    }

    /**
     * A record too large to write anywhere: dead-lettered without its bytes (they stay at the source offset), so that
     * the app neither fails on it nor stops behind it. Its change is not applied: a transaction it belongs to is
     * emitted without it when it ends.
     */
    private Emission tooLarge(InputRecord input) {
        long size = RecordSizeLimit.size(input.key(), input.value());
        // the key is a primary key, small: kept (a compacted dead-letter topic refuses null keys), unless it is the
        // problem
        boolean keepKey = input.key() != null && input.key().length <= MAX_KEPT_KEY;
        InputRecord withoutBytes =
                new InputRecord(input.topic(), input.partition(), input.offset(), keepKey ? input.key() : null, null);
        return new Emission(
                withoutBytes,
                new Outcome.DeadLetter(
                        DeadLetterCategory.RECORD_TOO_LARGE,
                        "record of "
                                + size + " bytes is larger than the app's max.request.size of "
                                + sizeLimit.maxRequestSize()
                                + " bytes (less " + RecordSizeLimit.HEADROOM + " for framing): "
                                + (keepKey ? "value" : "key and value")
                                + " left out, read it at the source offset; raise KAFKA_MAX_REQUEST_SIZE and the topics' "
                                + "max.message.bytes to process such records"));
    }

    /** The registry did not answer within the client's retry budget: the task gives up its uncommitted work (nothing of
     * it is visible with exactly-once) and the thread rejoins the group, so the record is read again from the last
     * commit, as often as it takes. Kafka Streams handles TaskMigratedException in place, without the consumer-group
     * session timeout a replaced thread would wait for.
     */
    private static TaskMigratedException waitForRegistry(SchemaRegistryUnavailableException e, String where) {
        LOG.warn(
                "{}: the schema registry does not answer; the record waits and is read again: {}",
                where,
                e.getMessage());
        return new TaskMigratedException("schema registry unavailable at " + where, e);
    }

    /** Writes an emission with the timestamp of the record being processed (the one that completed it). */
    private void forward(Emission original) {
        List<byte[]> values = new ArrayList<>();
        Emission emission = withinSizeLimit(OutputRecords.encode(original, encoder, settings, values), values);
        InputRecord source = emission.source();
        metrics.outcome(emission);
        boolean upgrade =
                emission.outcome() instanceof Outcome.Skipped skip && skip.category() == IgnoredCategory.UPGRADE;
        emission.outcome()
                .match(
                        events -> {
                            for (int i = 0; i < events.events().size(); i++) {
                                forwardEvent(events.events().get(i), values.get(i));
                            }
                            return null;
                        },
                        skipped -> {
                            if (upgrade && !upgradeLogged) {
                                LOG.info(
                                        "Prefect upgrade, {} ({}-{}@{}): its changes are silent, as in Prefect",
                                        skipped.reason(),
                                        source.topic(),
                                        source.partition(),
                                        source.offset());
                            } else {
                                LOG.debug(
                                        "skipped {}-{}@{}: {}",
                                        source.topic(),
                                        source.partition(),
                                        source.offset(),
                                        skipped.reason());
                            }
                            return null;
                        },
                        dead -> {
                            forwardDeadLetter(source, dead);
                            return null;
                        });
        upgradeLogged = upgrade;
    }

    /** An event larger than the producer can write sends its source record to the dead letters instead. */
    private Emission withinSizeLimit(Emission emission, List<byte[]> values) {
        if (emission.outcome() instanceof Outcome.Events events) {
            for (int i = 0; i < values.size(); i++) {
                byte[] value = values.get(i);
                if (!sizeLimit.fits(OutputRecords.eventKey(events.events().get(i)), value)) {
                    values.clear();
                    return new Emission(
                            emission.source(),
                            new Outcome.DeadLetter(
                                    DeadLetterCategory.RECORD_TOO_LARGE,
                                    "the event of " + value.length
                                            + " bytes is larger than the app's max.request.size of "
                                            + sizeLimit.maxRequestSize() + " bytes (less " + RecordSizeLimit.HEADROOM
                                            + " for framing)"));
                }
            }
        }
        return emission;
    }

    private void forwardEvent(LifecycleEvent event, byte[] value) {
        context.forward(
                new Record<>(
                        OutputRecords.eventKey(event),
                        value,
                        timestamp,
                        OutputRecords.eventHeaders(event, settings.source())),
                nodes.eventsSink());
    }

    private void forwardDeadLetter(InputRecord source, Outcome.DeadLetter dead) {
        LOG.warn(
                "dead letter {}-{}@{} ({}): {}",
                source.topic(),
                source.partition(),
                source.offset(),
                dead.category().label(),
                dead.reason());
        context.forward(
                new Record<>(
                        source.key(),
                        source.value(),
                        timestamp,
                        OutputRecords.deadLetterHeaders(source, dead, settings.source())),
                nodes.deadLetterSink());
    }
}
