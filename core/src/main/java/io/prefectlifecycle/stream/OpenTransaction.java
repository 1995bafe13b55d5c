package io.prefectlifecycle.stream;

/**
 * The transaction the stream is in the middle of, as kept in state between records: enough to go on after a restart
 * at any offset. There is at most one: the CDC topic holds whole transactions in commit order.
 *
 * @param sequence this app's number of the transaction (the last one opened, when none is open): rows changed by it
 *                 carry it ({@link StoredRow#transaction()}), so that they are recognised without a list in memory
 * @param id       PostgreSQL's transaction id ({@code source.txId}, the part of Debezium's transaction id before the
 *                 colon), or {@code null} when no transaction is open
 * @param touched  how many rows it has changed so far: its {@link RowTouch}es are numbered 0 to touched − 1
 * @param upgrade  the Prefect schema revision the transaction migrates to, when it changed {@code alembic_version}
 *                 (a Prefect upgrade, whose rewritten rows Prefect announces none of); else {@code null}
 */
public record OpenTransaction(long sequence, String id, int touched, String upgrade) {

    /** Before the first transaction. */
    public static final OpenTransaction NONE = new OpenTransaction(-1, null, 0, null);

    private static final byte FORMAT = 2;

    public boolean isOpen() {
        return id != null;
    }

    /** The next transaction, opened by a change of transaction {@code id}. */
    OpenTransaction next(String id) {
        return new OpenTransaction(sequence + 1, id, 0, null);
    }

    OpenTransaction withTouched(int touched) {
        return new OpenTransaction(sequence, id, touched, upgrade);
    }

    OpenTransaction upgradingTo(String revision) {
        return new OpenTransaction(sequence, id, touched, revision);
    }

    /** This transaction, ended: its number stays, so the next one gets a new one. */
    OpenTransaction closed() {
        return new OpenTransaction(sequence, null, 0, null);
    }

    public byte[] toBytes() {
        return new Binary.Writer(48)
                .tag(FORMAT)
                .number(sequence)
                .count(touched)
                .text(id)
                .text(upgrade)
                .toBytes();
    }

    public static OpenTransaction fromBytes(byte[] bytes) {
        Binary.Reader in = new Binary.Reader(bytes, FORMAT, "open transaction");
        long sequence = in.number();
        int touched = in.count();
        return new OpenTransaction(sequence, in.text(), touched, in.text());
    }
}
