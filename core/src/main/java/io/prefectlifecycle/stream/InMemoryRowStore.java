package io.prefectlifecycle.stream;

import java.util.HashMap;
import java.util.Map;

/** Row state for one offline run ({@code transform}, tests). */
public final class InMemoryRowStore implements RowStore {

    private final Map<String, StoredRow> rows = new HashMap<>();

    @Override
    public StoredRow get(String key) {
        return rows.get(key);
    }

    @Override
    public void put(String key, StoredRow row) {
        rows.put(key, row);
    }

    @Override
    public void delete(String key) {
        rows.remove(key);
    }
}
