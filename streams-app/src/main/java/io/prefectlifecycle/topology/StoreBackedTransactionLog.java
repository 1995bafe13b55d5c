package io.prefectlifecycle.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.pipeline.InputRecord;
import io.prefectlifecycle.pipeline.TransactionLog;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The transaction buffer on a changelogged store. Keys: {@code meta/<tx>} (what is known about the transaction,
 * with its first record: most transactions have one change, which then costs one entry), {@code rec/<tx>/<seq>}
 * for the 2nd to last record (seq zero-padded), {@code pending} and {@code awaiting-begin}; one record per key
 * keeps a long transaction's changelog linear in its size.
 *
 * <p>Which transactions are buffered, and their first records, are also held in memory, read from the store once
 * when the task starts (the store holds only transactions in flight): a new transaction is known to be new without a
 * read, and records are read and removed by exact key, never by a prefix scan over RocksDB's tombstones.
 */
final class StoreBackedTransactionLog implements TransactionLog {

    private static final String PENDING = "pending";
    private static final String AWAITING_BEGIN = "awaiting-begin";
    private static final String META = "meta/";
    /** Format tag of a binary meta value; the earlier JSON form (its first record under {@code rec/}) starts with '{'. */
    private static final byte META_WITH_FIRST_RECORD = 3;
    private static final int META_HEADER_BYTES = 1 + 1 + 8 + 8 + 8 + 1 + 4;

    private final KeyValueStore<String, byte[]> store;
    /** The buffered transactions and their first records (null when kept under {@code rec/}, as earlier versions did). */
    private final Map<String, byte[]> firstRecords = new HashMap<>();

    StoreBackedTransactionLog(KeyValueStore<String, byte[]> store) {
        this.store = store;
        try (KeyValueIterator<String, byte[]> metas = store.prefixScan(META, new StringSerializer())) {
            metas.forEachRemaining(entry -> firstRecords.put(entry.key.substring(META.length()), firstRecord(entry.value)));
        }
    }

    @Override
    public Meta meta(String txId) {
        if (!firstRecords.containsKey(txId)) {
            return null;
        }
        byte[] bytes = store.get(META + txId);
        return bytes == null ? null : bytes[0] == META_WITH_FIRST_RECORD ? readMeta(bytes) : readJsonMeta(bytes);
    }

    @Override
    public void putMeta(String txId, Meta meta) {
        byte[] first = firstRecords.get(txId);
        firstRecords.put(txId, first);
        store.put(META + txId, metaValue(meta, first));
    }

    @Override
    public void append(String txId, Meta meta, InputRecord record) {
        if (meta.count() == 1) {
            firstRecords.put(txId, record.toBytes());
        } else {
            store.put(recordKey(txId, meta.count()), record.toBytes());
        }
        putMeta(txId, meta);
    }

    @Override
    public List<InputRecord> records(String txId) {
        Meta meta = meta(txId);
        List<InputRecord> records = new ArrayList<>();
        byte[] first = firstRecords.get(txId);
        if (first != null) {
            records.add(InputRecord.fromBytes(first));
        }
        for (long seq = first != null ? 2 : 1; meta != null && seq <= meta.count(); seq++) {
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
        // deleting a key that was never written would still send a tombstone to the changelog
        for (long seq = firstRecords.get(txId) != null ? 2 : 1; meta != null && seq <= meta.count(); seq++) {
            store.delete(recordKey(txId, seq));
        }
        store.delete(META + txId);
        firstRecords.remove(txId);
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
        try {
            store.put(key, Json.MAPPER.writeValueAsBytes(ids));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code rec/<tx>/<seq>}, seq zero-padded to 12 digits. */
    private static String recordKey(String txId, long seq) {
        String digits = Long.toString(seq);
        StringBuilder key = new StringBuilder(4 + txId.length() + 1 + 12).append("rec/").append(txId).append('/');
        for (int i = digits.length(); i < 12; i++) {
            key.append('0');
        }
        return key.append(digits).toString();
    }

    private static byte[] metaValue(Meta meta, byte[] first) {
        int firstLength = first == null ? -1 : first.length;
        ByteBuffer out = ByteBuffer.allocate(META_HEADER_BYTES + Math.max(firstLength, 0)).put(META_WITH_FIRST_RECORD)
                .put(flag(meta.begun())).putLong(meta.expected()).putLong(meta.count()).putLong(meta.lastSeenMillis())
                .put(flag(meta.closed())).putInt(firstLength);
        if (first != null) {
            out.put(first);
        }
        return out.array();
    }

    private static byte flag(boolean value) {
        return (byte) (value ? 1 : 0);
    }

    private static Meta readMeta(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes, 1, META_HEADER_BYTES - 1);
        return new Meta(in.get() != 0, in.getLong(), in.getLong(), in.getLong(), in.get() != 0);
    }

    private static byte[] firstRecord(byte[] metaValue) {
        if (metaValue[0] != META_WITH_FIRST_RECORD) {
            return null;
        }
        int length = ByteBuffer.wrap(metaValue, META_HEADER_BYTES - 4, 4).getInt();
        if (length < 0) {
            return null;
        }
        byte[] first = new byte[length];
        System.arraycopy(metaValue, META_HEADER_BYTES, first, 0, length);
        return first;
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
}
