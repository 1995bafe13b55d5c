package io.prefectlifecycle.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.pipeline.InputRecord;
import io.prefectlifecycle.pipeline.TransactionLog;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The transaction buffer on a changelogged store. Keys: {@code meta/<tx>}, {@code rec/<tx>/<seq>} (seq zero-padded,
 * so a prefix scan returns records in arrival order), {@code pending} and {@code awaiting-begin}; one record per key keeps a long
 * transaction's changelog linear in its size.
 */
final class StoreBackedTransactionLog implements TransactionLog {

    private static final String PENDING = "pending";
    private static final String AWAITING_BEGIN = "awaiting-begin";
    private final KeyValueStore<String, byte[]> store;

    StoreBackedTransactionLog(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    @Override
    public Meta meta(String txId) {
        byte[] bytes = store.get("meta/" + txId);
        if (bytes == null) {
            return null;
        }
        JsonNode node = read(bytes);
        return new Meta(node.get("begun").booleanValue(), node.get("expected").longValue(),
                node.get("count").longValue(), node.get("lastSeen").longValue(), node.path("closed").booleanValue());
    }

    @Override
    public void putMeta(String txId, Meta meta) {
        ObjectNode node = Json.MAPPER.createObjectNode().put("begun", meta.begun()).put("expected", meta.expected())
                .put("count", meta.count()).put("lastSeen", meta.lastSeenMillis()).put("closed", meta.closed());
        store.put("meta/" + txId, write(node));
    }

    @Override
    public void append(String txId, long seq, InputRecord record) {
        store.put(String.format("rec/%s/%012d", txId, seq), record.toBytes());
    }

    @Override
    public List<InputRecord> records(String txId) {
        List<InputRecord> records = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan("rec/" + txId + "/", new StringSerializer())) {
            while (it.hasNext()) {
                records.add(InputRecord.fromBytes(it.next().value));
            }
        }
        return records;
    }

    @Override
    public void remove(String txId) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan("rec/" + txId + "/", new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> next = it.next();
                keys.add(next.key);
            }
        }
        keys.forEach(store::delete);
        store.delete("meta/" + txId);
    }

    @Override
    public List<String> pending() {
        return ids(PENDING);
    }

    @Override
    public void setPending(List<String> txIds) {
        setIds(PENDING, txIds);
    }

    @Override
    public List<String> awaitingBegin() {
        return ids(AWAITING_BEGIN);
    }

    @Override
    public void setAwaitingBegin(List<String> txIds) {
        setIds(AWAITING_BEGIN, txIds);
    }

    private List<String> ids(String key) {
        byte[] bytes = store.get(key);
        List<String> ids = new ArrayList<>();
        if (bytes != null) {
            read(bytes).forEach(id -> ids.add(id.textValue()));
        }
        return ids;
    }

    private void setIds(String key, List<String> txIds) {
        ArrayNode ids = Json.MAPPER.createArrayNode();
        txIds.forEach(ids::add);
        store.put(key, write(ids));
    }

    private static JsonNode read(byte[] bytes) {
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable transaction buffer entry", e);
        }
    }

    private static byte[] write(JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
