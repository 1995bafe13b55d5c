package io.prefectlifecycle.cdc;

import java.util.Map;
import java.util.function.Function;

/**
 * What a Debezium record turned out to be. Every record decodes to exactly one of these; {@link #match} makes
 * every caller handle every outcome (Java 17 has no pattern switch), so a new outcome is a compile error.
 */
public sealed interface Decoded {

    <R> R match(
            Function<Change, R> change,
            Function<Tombstone, R> tombstone,
            Function<TransactionMarker, R> transactionMarker,
            Function<Ignored, R> ignored,
            Function<Malformed, R> malformed);

    /** A row change ({@code c}, {@code u}, {@code d}, {@code r}) or a truncate. */
    record Change(ChangeRecord change) implements Decoded {
        @Override
        public <R> R match(
                Function<Change, R> change,
                Function<Tombstone, R> tombstone,
                Function<TransactionMarker, R> transactionMarker,
                Function<Ignored, R> ignored,
                Function<Malformed, R> malformed) {
            return change.apply(this);
        }
    }

    /** The null-valued record Debezium writes after a delete, for log compaction. */
    record Tombstone() implements Decoded {
        @Override
        public <R> R match(
                Function<Change, R> change,
                Function<Tombstone, R> tombstone,
                Function<TransactionMarker, R> transactionMarker,
                Function<Ignored, R> ignored,
                Function<Malformed, R> malformed) {
            return tombstone.apply(this);
        }
    }

    /**
     * A BEGIN or END record from the {@code <prefix>.transaction} topic. END counts the transaction's changes, in all
     * and per table ({@code <schema>.<table>} → count; empty when absent).
     */
    record TransactionMarker(String status, String id, long eventCount, Map<String, Long> countsByTable)
            implements Decoded {
        @Override
        public <R> R match(
                Function<Change, R> change,
                Function<Tombstone, R> tombstone,
                Function<TransactionMarker, R> transactionMarker,
                Function<Ignored, R> ignored,
                Function<Malformed, R> malformed) {
            return transactionMarker.apply(this);
        }
    }

    /** A well-formed record that carries no row change: a heartbeat, a logical decoding message, a truncate. */
    record Ignored(IgnoredCategory category, String reason) implements Decoded {
        @Override
        public <R> R match(
                Function<Change, R> change,
                Function<Tombstone, R> tombstone,
                Function<TransactionMarker, R> transactionMarker,
                Function<Ignored, R> ignored,
                Function<Malformed, R> malformed) {
            return ignored.apply(this);
        }
    }

    /** Input that is not a Debezium record we can read: {@link DeadLetterCategory#MALFORMED_RECORD}. */
    record Malformed(String reason) implements Decoded {
        @Override
        public <R> R match(
                Function<Change, R> change,
                Function<Tombstone, R> tombstone,
                Function<TransactionMarker, R> transactionMarker,
                Function<Ignored, R> ignored,
                Function<Malformed, R> malformed) {
            return malformed.apply(this);
        }
    }
}
