package io.prefectlifecycle.kinds;

import io.prefectlifecycle.cdc.Row;

/**
 * A row the transaction changed ({@link TransactionView#touched}).
 *
 * @param created whether the transaction's first change of it is an insert
 * @param deleted whether its last change is a delete
 * @param before  the row before the transaction ({@code null} when inserted by it or unknown)
 * @param after   the row after the transaction; for a deleted row its last state
 */
public record TouchedRow(String primaryKey, boolean created, boolean deleted, Row before, Row after) {}
