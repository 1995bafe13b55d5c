package io.prefectlifecycle.bench;

import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A sorted in-memory key-value store, just enough of {@link KeyValueStore} for the app's store adapters
 * ({@code StoreBackedRows}, {@code StoreBackedTransactionState}): the state serialised exactly as the app's stores hold
 * it, without RocksDB and the changelog.
 */
public final class MapStore implements KeyValueStore<String, byte[]> {
    private final NavigableMap<String, byte[]> map = new TreeMap<>();

    @Override
    public void put(String key, byte[] value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    @Override
    public byte[] putIfAbsent(String key, byte[] value) {
        return map.putIfAbsent(key, value);
    }

    @Override
    public void putAll(List<KeyValue<String, byte[]>> entries) {
        entries.forEach(e -> put(e.key, e.value));
    }

    @Override
    public byte[] delete(String key) {
        return map.remove(key);
    }

    @Override
    public byte[] get(String key) {
        return map.get(key);
    }

    @Override
    public KeyValueIterator<String, byte[]> range(String from, String to) {
        return iterator(map.subMap(from, true, to, true));
    }

    @Override
    public KeyValueIterator<String, byte[]> all() {
        return iterator(map);
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<String, byte[]> prefixScan(P prefix, PS serializer) {
        String p = (String) prefix;
        return iterator(map.subMap(p, true, p + Character.MAX_VALUE, false));
    }

    @Override
    public long approximateNumEntries() {
        return map.size();
    }

    private static KeyValueIterator<String, byte[]> iterator(Map<String, byte[]> view) {
        Iterator<Map.Entry<String, byte[]>> it = List.copyOf(view.entrySet()).iterator();
        return new KeyValueIterator<>() {
            @Override
            public void close() {}

            @Override
            public String peekNextKey() {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public KeyValue<String, byte[]> next() {
                Map.Entry<String, byte[]> e = it.next();
                return KeyValue.pair(e.getKey(), e.getValue());
            }
        };
    }

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {}

    @Override
    public void close() {}

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Position getPosition() {
        return Position.emptyPosition();
    }
}
