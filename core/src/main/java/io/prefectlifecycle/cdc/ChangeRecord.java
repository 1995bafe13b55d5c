package io.prefectlifecycle.cdc;

/**
 * One row change decoded from a Debezium record.
 *
 * @param op          what happened to the row
 * @param primaryKey  the row's primary key, from the record key ({@code id} for every Prefect table)
 * @param before      the row before the change: complete only under {@code REPLICA IDENTITY FULL};
 *                    {@code null} for inserts and, under the default identity, for updates
 * @param after       the row after the change, {@code null} for deletes
 * @param source      where and when the change happened
 * @param transaction the transaction block, or {@code null} when transaction metadata is off
 */
public record ChangeRecord(
        Op op, String primaryKey, Row before, Row after, SourceInfo source, TransactionRef transaction) {

    public String table() {
        return source.table();
    }
}
