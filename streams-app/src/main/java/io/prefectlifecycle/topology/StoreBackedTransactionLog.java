package io.prefectlifecycle.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.pipeline.InputRecord;
import io.prefectlifecycle.pipeline.TransactionLog;
import org.apache.kafka.streams.state.KeyValueStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The transaction buffer on a changelogged store. Keys: {@code meta/<tx>}, {@code rec/<tx>/<seq>} (seq 1 to the
 * meta's count, zero-padded), {@code pending} and {@code awaiting-begin}; one record per key keeps a long
 * transaction's changelog linear in its size. Records are read and removed by exact key, never by a prefix scan:
 * a scan walks RocksDB's tombstones of every transaction removed before, which grew with the input.
 */
final class StoreBackedTransactionLog implements TransactionLog {

    private static final String PENDING = "pending";
    private static final String AWAITING_BEGIN = "awaiting-begin";
    /** Format tag of a binary meta value; the earlier JSON form starts with '{'. */
    private static final byte BINARY_META = 2;
    private static final int META_BYTES = 1 + 1 + 8 + 8 + 8 + 1;
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
        return bytes[0] == BINARY_META ? readMeta(bytes) : readJsonMeta(bytes);
    }

    @Override
    public void putMeta(String txId, Meta meta) {
        store.put("meta/" + txId, ByteBuffer.allocate(META_BYTES).put(BINARY_META).put(flag(meta.begun()))
                .putLong(meta.expected()).putLong(meta.count()).putLong(meta.lastSeenMillis())
                .put(flag(meta.closed())).array());
    }

    @Override
    public void append(String txId, long seq, InputRecord record) {
        store.put(recordKey(txId, seq), record.toBytes());
    }

    @Override
    public List<InputRecord> records(String txId) {
        Meta meta = meta(txId);
        List<InputRecord> records = new ArrayList<>();
        for (long seq = 1; meta != null && seq <= meta.count(); seq++) {
            byte[] bytes = store.get(recordKey(txId, seq));
            if (bytes != null) {
                records.add(InputRecord.fromBytes(bytes));
            }
        }
        return records;
    }

    @Override
    public void remove(String txId) {
        Meta meta = meta(txId);
        for (long seq = 1; meta != null && seq <= meta.count(); seq++) {
            store.delete(recordKey(txId, seq));
        }
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

    /** {@code rec/<tx>/<seq>}, seq zero-padded to 12 digits (the key format earlier versions wrote). */
    private static String recordKey(String txId, long seq) {
        String digits = Long.toString(seq);
        StringBuilder key = new StringBuilder(4 + txId.length() + 1 + 12).append("rec/").append(txId).append('/');
        for (int i = digits.length(); i < 12; i++) {
            key.append('0');
        }
        return key.append(digits).toString();
    }

    private static byte flag(boolean value) {
        return (byte) (value ? 1 : 0);
    }

    private static Meta readMeta(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes, 1, META_BYTES - 1);
        return new Meta(in.get() != 0, in.getLong(), in.getLong(), in.getLong(), in.get() != 0);
    }

    /** The JSON form earlier versions wrote (a changelog may still hold it). */
    private static Meta readJsonMeta(byte[] bytes) {
        JsonNode node = read(bytes);
        return new Meta(node.get("begun").booleanValue(), node.get("expected").longValue(),
                node.get("count").longValue(), node.get("lastSeen").longValue(), node.path("closed").booleanValue());
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
