package io.prefectlifecycle.stream;

/**
 * The last known state of every captured row, keyed by {@code <table>/<primary key>}. The topology backs it
 * with a changelogged Kafka Streams store; {@code transform} with a map.
 */
public interface RowStore {

    StoredRow get(String key);

    void put(String key, StoredRow row);

    void delete(String key);

    static String keyOf(String table, String primaryKey) {
        return table + "/" + primaryKey;
    }
}
