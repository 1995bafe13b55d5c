package io.prefectlifecycle.stream;

import io.prefectlifecycle.kinds.KindResult;

import java.util.List;

/**
 * A row of the open transaction as this process saw it change: its {@link RowTouch}, and the description made when
 * its only change was applied (kept in memory only; after a restart the row is described again when the transaction
 * ends).
 *
 * @param asUpdate the kind's description of the row as an update of its previous state; {@code null} when none
 * @param lookedUp the state keys that description read
 */
record PendingRow(RowTouch touch, KindResult asUpdate, List<String> lookedUp) {

    /** A row read back from state: nothing known beyond its touch. */
    static PendingRow restored(RowTouch touch) {
        return new PendingRow(touch, null, List.of());
    }
}
