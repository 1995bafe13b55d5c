package io.prefectlifecycle.topology;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.cdc.Op;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.stream.InputRecord;
import io.prefectlifecycle.stream.OpenTransaction;
import io.prefectlifecycle.stream.RowTouch;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The open transaction's store layout is read back whole by a restarted task, and a large one's tail removed. */
class StoreBackedTransactionStateTest {

    private KeyValueStore<String, byte[]> store;

    @BeforeEach
    void store() {
        store = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore("prefect-open-transaction"), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled()
                .build();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
    }

    @Test
    void theOpenTransactionIsReadBackWholeAfterARestart() throws Exception {
        StoreBackedTransactionState state = new StoreBackedTransactionState(store);
        assertEquals(OpenTransaction.NONE, state.open());
        Row previous = new Row("variable", (ObjectNode) Json.parse("{\"id\":\"v1\",\"name\":\"é\",\"tags\":\"[]\"}"));
        RowTouch first = new RowTouch(
                "variable/v1",
                new RowTouch.FirstChange(Op.UPDATE, 120, 1_780_664_515_123_573L, "prefect"),
                2,
                240,
                Op.DELETE,
                previous,
                record(7));
        RowTouch second = new RowTouch(
                "flow/f1", new RowTouch.FirstChange(Op.CREATE, -1, 5, null), 1, -1, Op.CREATE, null, record(8));
        state.open(new OpenTransaction(41, "987", 2, "9e9dadc36797"));
        state.touch(0, first);
        state.touch(1, second);

        StoreBackedTransactionState restarted = new StoreBackedTransactionState(store);
        assertEquals(new OpenTransaction(41, "987", 2, "9e9dadc36797"), restarted.open());
        assertTouch(first, restarted.touch(0));
        assertTouch(second, restarted.touch(1));
    }

    @Test
    void forgetRemovesOnlyTheTouchesAsked() {
        StoreBackedTransactionState state = new StoreBackedTransactionState(store);
        state.open(new OpenTransaction(1, null, 0, null));
        for (int i = 0; i < 5; i++) {
            state.touch(
                    i,
                    new RowTouch(
                            "flow/f" + i,
                            new RowTouch.FirstChange(Op.CREATE, i, 5, "prefect"),
                            1,
                            i,
                            Op.CREATE,
                            null,
                            record(i)));
        }
        state.forget(2, 5);
        assertEquals(List.of("open", "touch/0", "touch/1"), keys());
    }

    private static void assertTouch(RowTouch expected, RowTouch actual) {
        assertEquals(expected.stateKey(), actual.stateKey());
        assertEquals(expected.first(), actual.first());
        assertEquals(expected.changes(), actual.changes());
        assertEquals(expected.lastLsn(), actual.lastLsn());
        assertEquals(expected.lastOp(), actual.lastOp());
        if (expected.previous() == null) {
            assertNull(actual.previous());
        } else {
            assertEquals(expected.previous().columns(), actual.previous().columns());
            assertEquals(expected.previous().table(), actual.previous().table());
        }
        assertEquals(expected.lastRecord().offset(), actual.lastRecord().offset());
        assertArrayEquals(expected.lastRecord().value(), actual.lastRecord().value());
        assertArrayEquals(expected.lastRecord().key(), actual.lastRecord().key());
    }

    private static InputRecord record(long offset) {
        return new InputRecord(
                "prefect.cdc",
                0,
                offset,
                "k".getBytes(StandardCharsets.UTF_8),
                ("v" + offset).getBytes(StandardCharsets.UTF_8));
    }

    private List<String> keys() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            all.forEachRemaining(entry -> keys.add(entry.key));
        }
        keys.sort(String::compareTo);
        return keys;
    }
}
