package io.prefectlifecycle.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.cdc.Row;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A row as last seen, with the LSN of the change that produced it and the transaction that changed it last. A deleted
 * row is kept as a marker so that a redelivered change older than the delete is still recognised.
 *
 * @param lsn         LSN of the last change applied ({@code -1} when the record had none)
 * @param deleted     whether the last change was a delete
 * @param row         the full row (for a delete, the state before it)
 * @param transaction the {@link OpenTransaction#sequence()} of the transaction that last changed the row ({@code -1}
 *                    for none: a snapshot read, a change outside a transaction)
 * @param touch       the row's position among that transaction's {@link RowTouch touched rows}
 */
public record StoredRow(long lsn, boolean deleted, Row row, long transaction, int touch) {

    /** A row changed outside a transaction. */
    public StoredRow(long lsn, boolean deleted, Row row) {
        this(lsn, deleted, row, -1, -1);
    }

    /** Whether the row's last change belongs to transaction {@code sequence}. */
    public boolean changedBy(long sequence) {
        return transaction == sequence && transaction >= 0;
    }

    /** Format tag of {@link #toBytes}; the JSON form earlier versions stored starts with '{'. */
    private static final byte BINARY = 2;

    /**
     * For the row store: a tag byte, LSN, deleted flag, transaction, touch, the table (length-prefixed UTF-8), then
     * the columns as JSON. The header is binary because it is read for every change (the LSN check).
     */
    public byte[] toBytes() {
        byte[] table = row.table().getBytes(StandardCharsets.UTF_8);
        byte[] columns = row.jsonBytes();
        return ByteBuffer.allocate(1 + 8 + 1 + 8 + 4 + 4 + table.length + columns.length)
                .put(BINARY)
                .putLong(lsn)
                .put((byte) (deleted ? 1 : 0))
                .putLong(transaction)
                .putInt(touch)
                .putInt(table.length)
                .put(table)
                .put(columns)
                .array();
    }

    /** Reads {@link #toBytes}, and the JSON form earlier versions stored (a changelog may still hold it). */
    public static StoredRow fromBytes(byte[] bytes) {
        try {
            if (bytes.length > 0 && bytes[0] == BINARY) {
                ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
                long lsn = in.getLong();
                boolean deleted = in.get() != 0;
                long transaction = in.getLong();
                int touch = in.getInt();
                int tableLength = in.getInt();
                String table = new String(bytes, in.position(), tableLength, StandardCharsets.UTF_8);
                int columnsAt = in.position() + tableLength;
                ObjectNode columns = (ObjectNode) Json.MAPPER.readTree(bytes, columnsAt, bytes.length - columnsAt);
                return new StoredRow(
                        lsn,
                        deleted,
                        new Row(table, columns, Arrays.copyOfRange(bytes, columnsAt, bytes.length)),
                        transaction,
                        touch);
            }
            JsonNode node = Json.MAPPER.readTree(bytes);
            Row row = new Row(node.get("table").textValue(), (ObjectNode) node.get("row"));
            return new StoredRow(
                    node.get("lsn").longValue(), node.get("deleted").booleanValue(), row);
        } catch (IOException | RuntimeException e) {
            throw new UncheckedIOException(
                    "unreadable row state", e instanceof IOException io ? io : new IOException(e.toString()));
        }
    }
}
