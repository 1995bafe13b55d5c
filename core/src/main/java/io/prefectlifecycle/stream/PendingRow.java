package io.prefectlifecycle.stream;

import io.prefectlifecycle.cdc.Op;
import io.prefectlifecycle.kinds.Action;
import io.prefectlifecycle.kinds.KindResult;

import java.util.List;

/**
 * A row of the open transaction as this process saw it change: its {@link RowTouch}, and the description made when
 * its only change was applied (kept in memory only; after a restart the row is described again when the transaction
 * ends).
 *
 * @param early    the kind's description of the row when its change was applied, with the action that change alone
 *                 gives ({@link #actionOnApply}); {@code null} when none
 * @param lookedUp the state keys that description read
 */
record PendingRow(RowTouch touch, KindResult early, List<String> lookedUp) {

    /** A row read back from state: nothing known beyond its touch. */
    static PendingRow restored(RowTouch touch) {
        return new PendingRow(touch, null, List.of());
    }

    /**
     * The action a row's change is described with when it is applied: what it gives if it stays the row's only change
     * of the transaction (an insert or a snapshot read is created), an update otherwise. A delete is described as an
     * update of the row's last state, which checks that the kind can read it; its event is decided at the end.
     */
    static Action actionOnApply(Op op) {
        return op == Op.CREATE || op == Op.READ ? Action.CREATED : Action.UPDATED;
    }
}
