package io.prefectlifecycle.topology;

import io.prefectlifecycle.pipeline.InputRecord;
import io.prefectlifecycle.pipeline.TransactionLog.Meta;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The buffer's store layout survives a restart (a new log over the same store) and leaves nothing behind. */
class StoreBackedTransactionLogTest {

    private KeyValueStore<String, byte[]> store;

    @BeforeEach
    void store() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("prefect-transactions"), Serdes.String(),
                Serdes.ByteArray()).withLoggingDisabled().build();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
    }

    @Test
    void aBufferedTransactionIsReadBackWholeAfterARestart() {
        StoreBackedTransactionLog log = new StoreBackedTransactionLog(store);
        assertNull(log.meta("tx:1"));
        log.putMeta("tx:1", new Meta(true, -1, 0, 10, false));
        log.append("tx:1", new Meta(true, -1, 1, 11, false), record(7));
        log.append("tx:1", new Meta(true, -1, 2, 12, false), record(8));
        log.setPending(List.of("tx:1"));

        StoreBackedTransactionLog restarted = new StoreBackedTransactionLog(store);
        assertEquals(new Meta(true, -1, 2, 12, false), restarted.meta("tx:1"));
        assertEquals(List.of(7L, 8L), offsets(restarted.records("tx:1")));
        assertEquals(List.of("tx:1"), restarted.pending());

        restarted.putMeta("tx:1", new Meta(true, 2, 2, 13, false));
        assertEquals(List.of(7L, 8L), offsets(restarted.records("tx:1")));
        restarted.remove("tx:1");
        restarted.setPending(List.of());
        assertNull(restarted.meta("tx:1"));
        assertEquals(List.of("pending"), keys());
    }

    @Test
    void theLayoutOfEarlierVersionsIsStillRead() {
        store.put("meta/tx:2", "{\"begun\":true,\"expected\":1,\"count\":1,\"lastSeen\":5,\"closed\":false}"
                .getBytes(StandardCharsets.UTF_8));
        store.put("rec/tx:2/000000000001", record(3).toBytes());

        StoreBackedTransactionLog log = new StoreBackedTransactionLog(store);
        assertEquals(new Meta(true, 1, 1, 5, false), log.meta("tx:2"));
        assertEquals(List.of(3L), offsets(log.records("tx:2")));
        log.remove("tx:2");
        assertEquals(List.of(), keys());
    }

    private static InputRecord record(long offset) {
        return new InputRecord("prefect.public.variable", 0, offset, "k".getBytes(StandardCharsets.UTF_8),
                ("v" + offset).getBytes(StandardCharsets.UTF_8));
    }

    private static List<Long> offsets(List<InputRecord> records) {
        return records.stream().map(InputRecord::offset).toList();
    }

    private List<String> keys() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            all.forEachRemaining(entry -> keys.add(entry.key));
        }
        return keys;
    }
}
