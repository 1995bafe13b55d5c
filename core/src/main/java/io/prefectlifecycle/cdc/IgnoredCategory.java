package io.prefectlifecycle.cdc;

import java.util.Locale;

/**
 * Why a record produced no event. Set where the decision is made (the decoder, a kind's silence, the change stream);
 * {@link #label()} is the {@code reason} of the metric {@code prefect_cdc_ignored_records_total}.
 */
public enum IgnoredCategory {
    /** Debezium's null value after a delete. */
    TOMBSTONE,
    /** A Debezium heartbeat, or a write to the heartbeat table. */
    HEARTBEAT,
    /** A BEGIN or END record. */
    TRANSACTION_MARKER,
    /** A logical decoding message. */
    LOGICAL_MESSAGE,
    /** A {@code TRUNCATE}. */
    TRUNCATE,
    /** A change of a table without a kind. */
    UNMAPPED_TABLE,
    /** A snapshot read, remembered as state and emitted only with {@code emit.snapshot.reads}. */
    SNAPSHOT_READ,
    /** Prefect itself emits nothing for the change (a kind's silence). */
    SILENT,
    /** A Prefect upgrade: its migration rewrote the row, and Prefect announces none of that. */
    UPGRADE,
    /** Debezium delivered the change again (same LSN) after a crash. */
    REDELIVERED,
    /** Another change of the row in the same transaction carries the event, or there is none to carry. */
    COALESCED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
