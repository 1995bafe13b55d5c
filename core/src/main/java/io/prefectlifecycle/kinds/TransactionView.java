package io.prefectlifecycle.kinds;

import io.prefectlifecycle.cdc.Row;

import java.util.List;
import java.util.Optional;

/**
 * What a kind may ask about the transaction its change belongs to, once the transaction has ended: which rows it
 * inserted or deleted, what a row was before it, and which rows of a table it changed. The engine never reuses a
 * description that asked (it makes it again when the transaction ends), so a kind just asks.
 * <p>Cost: {@link #deleted}, {@link #created} and {@link #before} read one row and its touch from state;
 * {@link #touched} reads every row the transaction changed, of all tables, in order (back from state when the
 * transaction is too large for memory), so a rule that calls it once per row is quadratic in the transaction: call it
 * for the few rows a rule is about, and stop early.
 */
public interface TransactionView {

    /** A change outside any transaction (a snapshot read): it changed nothing else. */
    TransactionView NONE = new TransactionView() {
        @Override
        public boolean deleted(String table, String primaryKey) {
            return false;
        }

        @Override
        public boolean created(String table, String primaryKey) {
            return false;
        }

        @Override
        public Optional<Row> before(String table, String primaryKey) {
            return Optional.empty();
        }

        @Override
        public Iterable<TouchedRow> touched(String table) {
            return List.of();
        }
    };

    /** Whether the transaction deleted that row (its last change of the row is a delete). */
    boolean deleted(String table, String primaryKey);

    /** Whether the transaction inserted that row (its first change of the row is an insert). */
    boolean created(String table, String primaryKey);

    /**
     * The row as it was before the transaction: a row the transaction did not change is as it is now. Empty when the
     * transaction inserted it, or nothing is known of it.
     */
    Optional<Row> before(String table, String primaryKey);

    /** The rows of {@code table} the transaction changed, in the order of their first change (WAL order). */
    Iterable<TouchedRow> touched(String table);
}
