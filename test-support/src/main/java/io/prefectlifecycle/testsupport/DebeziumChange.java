package io.prefectlifecycle.testsupport;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A synthetic Debezium 3.6 PostgreSQL change value, field for field as the connector writes it (JsonConverter without
 * schemas): for tests that need changes no database wrote (transactions cut at a chosen record, long histories).
 */
public final class DebeziumChange {

    private DebeziumChange() {}

    /**
     * @param op           {@code c}, {@code u} or {@code d}
     * @param before       null for an insert
     * @param after        null for a delete
     * @param totalOrder   the change's place in its transaction ({@code transaction.total_order})
     * @param inTableOrder its place among the transaction's changes to this table ({@code data_collection_order})
     */
    public static ObjectNode value(
            String table,
            String op,
            ObjectNode before,
            ObjectNode after,
            long txId,
            long lsn,
            long commitUs,
            int totalOrder,
            int inTableOrder) {
        ObjectNode value = JsonNodeFactory.instance.objectNode();
        value.set("before", before);
        value.set("after", after);
        ObjectNode source = value.putObject("source")
                .put("version", "3.6.1.Final")
                .put("connector", "postgresql")
                .put("name", "prefect")
                .put("ts_ms", commitUs / 1000)
                .put("snapshot", "false")
                .put("db", "prefect")
                .put("sequence", "[null,\"" + lsn + "\"]")
                .put("ts_us", commitUs)
                .put("ts_ns", commitUs * 1000)
                .put("schema", "public")
                .put("table", table)
                .put("txId", txId)
                .put("lsn", lsn);
        source.putNull("xmin");
        source.putNull("origin");
        source.putNull("origin_lsn");
        value.putObject("transaction")
                .put("id", txId + ":" + lsn)
                .put("total_order", totalOrder)
                .put("data_collection_order", inTableOrder);
        long processedUs = commitUs + 7_000;
        value.put("op", op)
                .put("ts_ms", processedUs / 1000)
                .put("ts_us", processedUs)
                .put("ts_ns", processedUs * 1000);
        return value;
    }
}
