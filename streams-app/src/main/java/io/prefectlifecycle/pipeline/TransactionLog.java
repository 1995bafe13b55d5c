package io.prefectlifecycle.pipeline;

import java.util.List;

/**
 * Where records wait for the rest of their transaction. The topology backs it with a changelogged store, so a
 * crash while a transaction is buffered neither loses nor duplicates it; {@code transform} uses memory.
 */
public interface TransactionLog {

    /**
     * What is known about one buffered transaction.
     *
     * @param begun          whether its BEGIN record has arrived
     * @param expected       how many of its changes the app reads, from END; -1 until END arrives
     * @param count          how many of its changes have arrived
     * @param lastSeenMillis when its last record (change or marker) arrived: the timeout counts from there
     * @param closed         emitted incomplete after the timeout: its late changes are applied as they come
     */
    record Meta(boolean begun, long expected, long count, long lastSeenMillis, boolean closed) {

        public static Meta first(long nowMillis) {
            return new Meta(false, -1, 0, nowMillis, false);
        }

        public boolean complete() {
            return expected >= 0 && count >= expected;
        }

        Meta withChange(long nowMillis) {
            return new Meta(begun, expected, count + 1, nowMillis, closed);
        }

        Meta withMarker(boolean end, long changes, long nowMillis) {
            return new Meta(true, end ? changes : expected, count, nowMillis, closed);
        }

        Meta asClosed() {
            return new Meta(begun, expected, count, lastSeenMillis, true);
        }
    }

    Meta meta(String txId);

    void putMeta(String txId, Meta meta);

    /**
     * Appends a record and stores the meta that counts it (the record is the transaction's {@code meta.count()}th);
     * {@code records} returns them in the order appended. One call, so that a store can write both as one entry.
     */
    void append(String txId, Meta meta, InputRecord record);

    List<InputRecord> records(String txId);

    /** Forgets the transaction's records and what is known about it. */
    void remove(String txId);

    /** Transactions waiting to be emitted, in commit order. */
    List<String> pending();

    void setPending(List<String> txIds);

    /** Transactions whose changes arrived before their BEGIN record: not yet placed in commit order. */
    List<String> awaitingBegin();

    void setAwaitingBegin(List<String> txIds);
}
