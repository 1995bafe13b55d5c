package io.prefectlifecycle.kinds;

/**
 * What a kind may ask about the transaction its change belongs to, when the transaction has ended: the other rows it
 * changed (a block document deleted with its block type is Prefect's cascade, not an API call).
 */
public interface TransactionView {

    /** A change outside any transaction (a snapshot read): it deleted nothing else. */
    TransactionView NONE = (table, primaryKey) -> false;

    /** Whether the transaction deleted that row (its last change of the row is a delete). */
    boolean deleted(String table, String primaryKey);
}
