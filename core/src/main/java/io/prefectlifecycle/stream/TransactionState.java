package io.prefectlifecycle.stream;

/**
 * Where the open transaction is kept between records: its {@link OpenTransaction} entry and one {@link RowTouch} per
 * row it changed. The topology backs it with a changelogged store, so that a crash at any offset, in the middle of a
 * transaction too, goes on from the last commit; {@code transform} and {@code replay} keep it in memory.
 * Touch entries are numbered from 0 for every transaction and overwritten by the next one, not deleted.
 */
public interface TransactionState {

    /** The open transaction, or the last one closed; {@link OpenTransaction#NONE} at first. */
    OpenTransaction open();

    void open(OpenTransaction transaction);

    RowTouch touch(int index);

    void touch(int index, RowTouch touch);

    /** Removes the touches {@code from} (inclusive) to {@code to} (exclusive), left by a large transaction. */
    void forget(int from, int to);
}
