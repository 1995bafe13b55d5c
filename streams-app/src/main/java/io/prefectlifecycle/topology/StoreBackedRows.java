package io.prefectlifecycle.topology;

import io.prefectlifecycle.stream.RowStore;
import io.prefectlifecycle.stream.StoredRow;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The row state on the task's changelogged store, with the rows read or written lately kept as objects: a churned
 * concurrency limit or a block schema that documents look up is parsed once, not on every change. Valid because the
 * task's processor is the store's only writer; rebuilt empty whenever the task starts.
 */
public final class StoreBackedRows implements RowStore {

    private static final int RECENT_ROWS = 10_000;
    private final KeyValueStore<String, byte[]> store;
    private final Map<String, StoredRow> recent = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, StoredRow> eldest) {
            return size() > RECENT_ROWS;
        }
    };

    public StoreBackedRows(KeyValueStore<String, byte[]> store) {
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
