package io.prefectlifecycle.topology;

import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.pipeline.Emission;
import io.prefectlifecycle.pipeline.InputRecord;
import io.prefectlifecycle.pipeline.LifecycleEngine;
import io.prefectlifecycle.pipeline.Outcome;
import io.prefectlifecycle.pipeline.OutputRecords;
import io.prefectlifecycle.pipeline.RowStore;
import io.prefectlifecycle.pipeline.StoredRow;
import io.prefectlifecycle.pipeline.TransactionalPipeline;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/** Runs each CDC record through the {@link TransactionalPipeline} and forwards events and dead letters. */
final class LifecycleProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(LifecycleProcessor.class);
    private static final Duration EXPIRY_CHECK = Duration.ofMillis(500);

    private final TopologySettings settings;
    private ProcessorContext<byte[], byte[]> context;
    private TransactionalPipeline pipeline;
    private PipelineMetrics metrics = PipelineMetrics.NONE;
    private long incompleteReported;

    LifecycleProcessor(TopologySettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        KeyValueStore<String, byte[]> rows = context.getStateStore(LifecycleTopology.ROW_STORE);
        KeyValueStore<String, byte[]> transactions = context.getStateStore(LifecycleTopology.TRANSACTION_STORE);
        LifecycleEngine engine = new LifecycleEngine(new StoreBackedRows(rows), settings.keyOverride(),
                settings.emitSnapshotReads());
        this.pipeline = new TransactionalPipeline(engine, new StoreBackedTransactionLog(transactions),
                settings.transactionTimeout().toMillis());
        this.metrics = PipelineMetrics.from(context.appConfigs());
        context.schedule(EXPIRY_CHECK, PunctuationType.WALL_CLOCK_TIME, now -> {
            forward(pipeline.expire(now), now);
            reportIncomplete();
        });
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        InputRecord input = new InputRecord(where.topic(), where.partition(), where.offset(), record.key(), record.value());
        forward(pipeline.offer(input, context.currentSystemTimeMs()), record.timestamp());
        reportIncomplete();
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
        for (Emission emission : emissions) {
            InputRecord source = emission.source();
            Outcome outcome = emission.outcome();
            metrics.outcome(emission);
            outcome.match(
                    events -> {
                        events.events().forEach(event -> forwardEvent(event, timestamp));
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

    private void forwardEvent(LifecycleEvent event, long timestamp) {
        context.forward(new Record<>(OutputRecords.eventKey(event), event.toJsonBytes(), timestamp,
                OutputRecords.eventHeaders(event)), LifecycleTopology.EVENTS_SINK);
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
