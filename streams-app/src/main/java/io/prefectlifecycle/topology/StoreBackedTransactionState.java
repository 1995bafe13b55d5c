package io.prefectlifecycle.topology;

import io.prefectlifecycle.stream.OpenTransaction;
import io.prefectlifecycle.stream.RowTouch;
import io.prefectlifecycle.stream.TransactionState;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The open transaction on the task's changelogged store: {@code open} → {@link OpenTransaction}, {@code touch/<n>} →
 * {@link RowTouch}. The store is cached, and every transaction writes the same few keys, so between two commits they
 * reach RocksDB and the changelog once however many transactions went by.
 */
public final class StoreBackedTransactionState implements TransactionState {

    private static final String OPEN = "open";
    private static final String TOUCH = "touch/";

    private final KeyValueStore<String, byte[]> store;

    public StoreBackedTransactionState(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    @Override
    public OpenTransaction open() {
        byte[] bytes = store.get(OPEN);
        return bytes == null ? OpenTransaction.NONE : OpenTransaction.fromBytes(bytes);
    }

    @Override
    public void open(OpenTransaction transaction) {
        store.put(OPEN, transaction.toBytes());
    }

    @Override
    public RowTouch touch(int index) {
        byte[] bytes = store.get(TOUCH + index);
        if (bytes == null) {
            throw new IllegalStateException(
                    "the open transaction's touched row " + index + " is missing from " + "the state store");
        }
        return RowTouch.fromBytes(bytes);
    }

    @Override
    public void touch(int index, RowTouch touch) {
        store.put(TOUCH + index, touch.toBytes());
    }

    @Override
    public void forget(int from, int to) {
        for (int i = from; i < to; i++) {
            store.delete(TOUCH + i);
        }
    }
}
