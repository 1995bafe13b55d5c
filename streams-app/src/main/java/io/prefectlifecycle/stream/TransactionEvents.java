package io.prefectlifecycle.stream;

import io.prefectlifecycle.cdc.Op;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.cdc.RowFormatException;
import io.prefectlifecycle.event.EventIds;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.event.PrefectTimestamps;
import io.prefectlifecycle.kinds.Action;
import io.prefectlifecycle.kinds.EventDraft;
import io.prefectlifecycle.kinds.KindException;
import io.prefectlifecycle.kinds.KindResult;
import io.prefectlifecycle.kinds.Kinds;
import io.prefectlifecycle.kinds.ObjectKind;
import io.prefectlifecycle.kinds.RowChange;
import io.prefectlifecycle.kinds.TransactionView;

import java.time.Instant;
import java.util.List;

/**
 * The outcome of each row a transaction changed, once it has ended: one event per row (Prefect emits one per API
 * operation). The row's first change in the transaction decides the action ({@code insert…} created, {@code update…}
 * updated, {@code …delete} deleted, {@code insert…delete} nothing), its state after the transaction is the payload,
 * and its state before the transaction is what the kind compares with. The outcome goes with the record of the
 * row's last change.
 */
final class TransactionEvents {

    private final RowStore rows;
    private final RowLookups lookups;
    private final boolean emitSnapshotReads;

    TransactionEvents(RowStore rows, RowLookups lookups, boolean emitSnapshotReads) {
        this.rows = rows;
        this.lookups = lookups;
        this.emitSnapshotReads = emitSnapshotReads;
    }

    /**
     * @param transaction the transaction's number ({@link OpenTransaction#sequence()}), -1 for a change outside one
     */
    Emission of(PendingRow pending, long transaction) {
        RowTouch touch = pending.touch();
        Outcome outcome = outcome(pending, transaction);
        if (outcome instanceof Outcome.DeadLetter dead && touch.lastRecord().value() == null) {
            // a row whose outcome was settled when it was applied: its bytes were not kept (ChangeStream)
            outcome = new Outcome.DeadLetter(dead.reason() + " (the record's bytes were not kept: read it at its "
                    + "source offset)", dead.exceptionClass());
        }
        return new Emission(touch.lastRecord(), outcome);
    }

    private Outcome outcome(PendingRow pending, long transaction) {
        RowTouch touch = pending.touch();
        Op first = touch.first().op();
        if (first == Op.CREATE && touch.lastOp() == Op.DELETE) {
            return new Outcome.Skipped("created and deleted in one transaction");
        }
        Action action;
        if (touch.lastOp() == Op.DELETE) {
            action = Action.DELETED;
        } else if (first == Op.READ && !emitSnapshotReads) {
            return new Outcome.Skipped("snapshot read (remembered, not emitted)");
        } else {
            action = switch (first) {
                case UPDATE -> Action.UPDATED;
                case DELETE -> Action.DELETED; // deleted, then inserted again under the same key
                default -> Action.CREATED;
            };
        }
        ObjectKind kind = Kinds.forTable(touch.table()).orElseThrow();
        Row state = rows.get(touch.stateKey()).row();
        lookups.transaction(transaction);
        try {
            KindResult result = reusable(pending, kind, action, transaction) ? pending.asUpdate()
                    : kind.describe(new RowChange(action, state, touch.previous(),
                            transaction < 0 ? TransactionView.NONE : lookups), lookups);
            return result.match(
                    emit -> new Outcome.Events(List.of(event(emit.draft(), action, touch, state))),
                    silent -> new Outcome.Skipped(silent.reason()));
        } catch (RowFormatException | KindException e) {
            return new Outcome.DeadLetter(e.getMessage(), e.getClass().getSimpleName());
        } finally {
            lookups.transaction(-1);
        }
    }

    /**
     * Whether the description made when the row's only change was applied is the one {@link #outcome} would make
     * now: the same action or a kind that ignores it, and none of the rows it read changed by the transaction.
     */
    private boolean reusable(PendingRow pending, ObjectKind kind, Action action, long transaction) {
        if (pending.asUpdate() == null || pending.touch().changes() != 1
                || (action != Action.UPDATED && kind.dependsOnAction())) {
            return false;
        }
        for (String key : pending.lookedUp()) {
            StoredRow read = rows.get(key);
            if (read != null && read.changedBy(transaction)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The event of a row's changes in one transaction. Its id hashes the identity of the first change (and of the
     * last, when there were several), so it is the same whenever the same records are replayed.
     */
    private static LifecycleEvent event(EventDraft draft, Action action, RowTouch touch, Row state) {
        RowTouch.FirstChange first = touch.first();
        Instant occurred = first.op() == Op.READ && state.timestamp("created") != null
                ? state.timestamp("created")
                : PrefectTimestamps.fromEpochMicros(first.commitMicros());
        int slash = touch.stateKey().indexOf('/');
        String identity = String.join("|", String.valueOf(first.connector()), touch.table(),
                touch.stateKey().substring(slash + 1), lsnText(first.lsn()), first.op().code(),
                String.valueOf(first.commitMicros()));
        if (touch.changes() > 1) {
            identity += "|" + lsnText(touch.lastLsn()) + "|" + action.eventSuffix();
        }
        return new LifecycleEvent(occurred, "prefect." + draft.kind() + "." + action.eventSuffix(),
                draft.resource(), draft.related(), draft.payload(), EventIds.uuid7(occurred.toEpochMilli(), identity));
    }

    /** As ids have always been made: a record without an LSN hashes as {@code null}. */
    private static String lsnText(long lsn) {
        return lsn < 0 ? "null" : Long.toString(lsn);
    }
}
