package io.prefectlifecycle.pipeline;

import java.util.List;

/**
 * Where records wait for the rest of their transaction. The topology backs it with a changelogged store, so a
 * crash while a transaction is buffered neither loses nor duplicates it; {@code transform} uses memory.
 */
public interface TransactionLog {

    /** What is known about one buffered transaction. */
    record Meta(boolean begun, long expected, long count, long firstSeenMillis) {

        /** {@code expected} is -1 until the END record says how many changes the transaction has. */
        public static Meta first(long nowMillis) {
            return new Meta(false, -1, 0, nowMillis);
        }

        public boolean complete() {
            return expected >= 0 && count >= expected;
        }
    }

    Meta meta(String txId);

    void putMeta(String txId, Meta meta);

    /** Appends a record; {@code records} returns them in the order appended. */
    void append(String txId, long seq, InputRecord record);

    List<InputRecord> records(String txId);

    /** Forgets the transaction and its records. */
    void remove(String txId);

    /** Transactions waiting to be emitted, in commit order. */
    List<String> pending();

    void setPending(List<String> txIds);
}
