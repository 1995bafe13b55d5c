package io.prefectlifecycle.cdc;

/**
 * The {@code transaction} block Debezium adds to each change when {@code provide.transaction.metadata=true}.
 *
 * @param id                  the transaction id as Debezium writes it ({@code "<txId>:<lsn>"})
 * @param totalOrder          position of the change among all changes of the transaction (1-based)
 * @param dataCollectionOrder position among the transaction's changes of the same table (1-based)
 */
public record TransactionRef(String id, long totalOrder, long dataCollectionOrder) {}
