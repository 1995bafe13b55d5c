package io.prefectlifecycle.stream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.ChangeRecord;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.cdc.Op;
import io.prefectlifecycle.cdc.Row;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One row changed by the open transaction: what its event needs once the transaction ends, kept in state (the row's
 * state after the transaction is the {@link RowStore}'s).
 *
 * @param stateKey     {@code <table>/<primary key>}
 * @param first        the row's first change in the transaction: its action, event id and {@code occurred}
 * @param changes      how many changes of the row the transaction made
 * @param lastLsn      the LSN of the last of them
 * @param lastOp       the operation of the last of them
 * @param previous     the row before the transaction ({@code null} when unknown, or for a row it inserted)
 * @param lastRecord   the record of the last change: the source of the row's event or dead letter
 */
public record RowTouch(
        String stateKey,
        FirstChange first,
        int changes,
        long lastLsn,
        Op lastOp,
        Row previous,
        InputRecord lastRecord) {

    /**
     * The identity of a row's first change in its transaction.
     *
     * @param op           its operation
     * @param lsn          its LSN ({@code -1} when the record had none)
     * @param commitMicros the transaction's commit time, epoch microseconds
     * @param connector    the Debezium connector's logical name ({@code source.name})
     */
    public record FirstChange(Op op, long lsn, long commitMicros, String connector) {

        static FirstChange of(ChangeRecord change) {
            return new FirstChange(
                    change.op(),
                    lsnOf(change),
                    change.source().commitMicros(),
                    change.source().connectorName());
        }
    }

    private static final byte FORMAT = 1;

    /** The first change of a row in its transaction. */
    static RowTouch first(String stateKey, ChangeRecord change, Row previous, InputRecord record) {
        return new RowTouch(stateKey, FirstChange.of(change), 1, lsnOf(change), change.op(), previous, record);
    }

    /** The row changed again in the same transaction. */
    RowTouch then(ChangeRecord change, InputRecord record) {
        return new RowTouch(stateKey, first, changes + 1, lsnOf(change), change.op(), previous, record);
    }

    public String table() {
        return stateKey.substring(0, stateKey.indexOf('/'));
    }

    static long lsnOf(ChangeRecord change) {
        return change.source().lsn() == null ? -1 : change.source().lsn();
    }

    public byte[] toBytes() {
        byte[] columns = previous == null ? null : previous.jsonBytes();
        byte[] record = lastRecord.toBytes();
        return new Binary.Writer(96 + record.length + (columns == null ? 0 : columns.length))
                .tag(FORMAT)
                .text(stateKey)
                .text(first.op().code())
                .number(first.lsn())
                .number(first.commitMicros())
                .text(first.connector())
                .count(changes)
                .number(lastLsn)
                .text(lastOp.code())
                .bytes(columns)
                .bytes(record)
                .toBytes();
    }

    public static RowTouch fromBytes(byte[] bytes) {
        Binary.Reader in = new Binary.Reader(bytes, FORMAT, "touched row");
        String stateKey = in.text();
        FirstChange first = new FirstChange(op(in.text()), in.number(), in.number(), in.text());
        int changes = in.count();
        long lastLsn = in.number();
        Op lastOp = op(in.text());
        byte[] columns = in.bytes();
        Row previous;
        try {
            previous = columns == null
                    ? null
                    : new Row(
                            stateKey.substring(0, stateKey.indexOf('/')),
                            (ObjectNode) Json.MAPPER.readTree(columns),
                            columns);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable touched row", e);
        }
        return new RowTouch(stateKey, first, changes, lastLsn, lastOp, previous, InputRecord.fromBytes(in.bytes()));
    }

    private static Op op(String code) {
        return Op.fromCode(code).orElseThrow(() -> new IllegalStateException("unreadable touched row: op " + code));
    }
}
