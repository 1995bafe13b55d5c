package io.prefectlifecycle.topology;

import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.pipeline.InputRecord;
import io.prefectlifecycle.pipeline.LifecycleEngine;
import io.prefectlifecycle.pipeline.Outcome;
import io.prefectlifecycle.pipeline.RowStore;
import io.prefectlifecycle.pipeline.StoredRow;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/** Runs each CDC record through the {@link LifecycleEngine} and forwards events and dead letters. */
final class LifecycleProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(LifecycleProcessor.class);

    private final TopologySettings settings;
    private ProcessorContext<byte[], byte[]> context;
    private LifecycleEngine engine;

    LifecycleProcessor(TopologySettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        KeyValueStore<String, byte[]> store = context.getStateStore(LifecycleTopology.ROW_STORE);
        this.engine = new LifecycleEngine(new StoreBackedRows(store), settings.keyOverride(), settings.emitSnapshotReads());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        InputRecord input = new InputRecord(where.topic(), where.partition(), where.offset(), record.key(), record.value());
        Outcome outcome = engine.process(input);
        outcome.match(
                events -> {
                    events.events().forEach(event -> forwardEvent(record, event));
                    return null;
                },
                skipped -> {
                    LOG.debug("skipped {}-{}@{}: {}", where.topic(), where.partition(), where.offset(), skipped.reason());
                    return null;
                },
                dead -> {
                    forwardDeadLetter(record, where, dead);
                    return null;
                });
    }

    private void forwardEvent(Record<byte[], byte[]> input, LifecycleEvent event) {
        Headers headers = new RecordHeaders()
                .add("prefect.event", utf8(event.event()))
                .add("prefect.resource.id", utf8(event.resource().id()));
        context.forward(new Record<>(utf8(event.resource().id()), event.toJsonBytes(), input.timestamp(), headers),
                LifecycleTopology.EVENTS_SINK);
    }

    private void forwardDeadLetter(Record<byte[], byte[]> input, RecordMetadata where, Outcome.DeadLetter dead) {
        LOG.warn("dead letter {}-{}@{}: {}", where.topic(), where.partition(), where.offset(), dead.reason());
        Headers headers = new RecordHeaders(input.headers().toArray())
                .add("dlq.source.topic", utf8(where.topic()))
                .add("dlq.source.partition", utf8(Integer.toString(where.partition())))
                .add("dlq.source.offset", utf8(Long.toString(where.offset())))
                .add("dlq.reason", utf8(dead.reason()))
                .add("dlq.exception.class", utf8(dead.exceptionClass()));
        context.forward(new Record<>(input.key(), input.value(), input.timestamp(), headers),
                LifecycleTopology.DEAD_LETTER_SINK);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
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
