package io.prefectlifecycle.cdc;

/**
 * The parts of Debezium's {@code source} block the pipeline uses.
 *
 * @param connectorName the logical server name ({@code source.name}, the topic prefix)
 * @param schema        the PostgreSQL schema of the table
 * @param table         the table the row belongs to
 * @param commitMicros  commit time of the transaction in epoch microseconds ({@code ts_us}, else {@code ts_ms})
 * @param lsn           log sequence number of the change, or {@code null} when absent
 * @param txId          PostgreSQL transaction id, or {@code null} when absent
 * @param snapshot      Debezium's snapshot marker ({@code "false"} for streamed changes)
 */
public record SourceInfo(
        String connectorName, String schema, String table, long commitMicros, Long lsn, Long txId, String snapshot) {

    public boolean isSnapshot() {
        return snapshot != null && !snapshot.equals("false");
    }
}
