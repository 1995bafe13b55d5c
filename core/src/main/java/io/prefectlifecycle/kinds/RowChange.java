package io.prefectlifecycle.kinds;

import io.prefectlifecycle.cdc.Row;

/**
 * A change a kind turns into an event: a row's changes in one transaction, seen when the transaction has ended.
 *
 * @param action      what Prefect would report
 * @param row         the complete row the event describes: the new state, or for a delete the last state before it
 * @param previous    the row's state before the transaction when known (for updates), else {@code null}
 * @param transaction the transaction, for rules that depend on its other changes
 */
public record RowChange(Action action, Row row, Row previous, TransactionView transaction) {

    /** A change whose transaction changed nothing else that matters. */
    public RowChange(Action action, Row row, Row previous) {
        this(action, row, previous, TransactionView.NONE);
    }
}
