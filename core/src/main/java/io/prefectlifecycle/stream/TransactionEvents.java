package io.prefectlifecycle.stream;

import io.prefectlifecycle.cdc.IgnoredCategory;
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
import io.prefectlifecycle.kinds.RowRef;
import io.prefectlifecycle.kinds.TransactionView;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The outcome of each row a transaction changed, once it has ended: one event per row (Prefect emits one per API
 * operation). The row's first change in the transaction decides the action ({@code insert…} created, {@code update…}
 * updated, {@code …delete} deleted, {@code insert…delete} nothing), its state after the transaction is the payload,
 * and its state before the transaction is what the kind compares with. The outcome goes with the record of the
 * row's last change.
 * <p>Order: the rows' first changes, except where a kind names rows whose events Prefect emits right before its own
 * ({@link ObjectKind#eventsBefore}): those are emitted there, and skipped at their own place.
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
     * Emits the outcome of every row of an ended transaction, in the order above. Rows are read one at a time
     * ({@code rowAt}, from state for a large transaction); what is kept besides is the set of rows emitted ahead of
     * their place, which holds only rows some kind pulled forward (a deleted pool's queues).
     *
     * @param touched     how many rows the transaction changed
     * @param transaction its number ({@link OpenTransaction#sequence()})
     * @param rowAt       the transaction's rows, by number
     */
    void emit(int touched, long transaction, IntFunction<PendingRow> rowAt, Consumer<Emission> out) {
        Set<Integer> emittedEarly = new HashSet<>();
        for (int i = 0; i < touched; i++) {
            if (!emittedEarly.remove(i)) {
                emitWithPulled(i, i, rowAt.apply(i), transaction, rowAt, emittedEarly, out);
            }
        }
    }

    /**
     * @param transaction the transaction's number ({@link OpenTransaction#sequence()}), -1 for a change outside one
     */
    Emission of(PendingRow pending, long transaction) {
        RowTouch touch = pending.touch();
        Outcome outcome = outcome(pending, transaction);
        if (outcome instanceof Outcome.DeadLetter dead && touch.lastRecord().value() == null) {
            // a row whose outcome was settled when it was applied: its bytes were not kept (ChangeStream)
            outcome = new Outcome.DeadLetter(
                    dead.category(),
                    dead.reason() + " (the record's bytes were not kept: " + "read it at its source offset)");
        }
        return new Emission(touch.lastRecord(), outcome);
    }

    /**
     * Emits row {@code index} after the rows its kind pulls before it. Rows at or before {@code cursor} are out
     * already; a pulled row is noted before its own pulls are followed, so a cycle ends.
     */
    private void emitWithPulled(
            int index,
            int cursor,
            PendingRow row,
            long transaction,
            IntFunction<PendingRow> rowAt,
            Set<Integer> emittedEarly,
            Consumer<Emission> out) {
        for (int pulled : pulledBefore(row.touch(), transaction)) {
            if (pulled > cursor && emittedEarly.add(pulled)) {
                emitWithPulled(pulled, cursor, rowAt.apply(pulled), transaction, rowAt, emittedEarly, out);
            }
        }
        out.accept(of(row, transaction));
    }

    /** The numbers of the transaction's rows the row's kind wants emitted right before it. */
    private List<Integer> pulledBefore(RowTouch touch, long transaction) {
        Action action = actionOf(touch);
        if (action == null) {
            return List.of();
        }
        ObjectKind kind = Kinds.forTable(touch.table()).orElseThrow();
        if (!kind.pullsEventsBefore()) {
            return List.of();
        }
        lookups.transaction(transaction);
        try {
            List<RowRef> refs = kind.eventsBefore(
                    new RowChange(action, rows.get(touch.stateKey()).row(), touch.previous(), lookups), lookups);
            List<Integer> indexes = new ArrayList<>(refs.size());
            for (RowRef ref : refs) {
                StoredRow stored = rows.get(RowStore.keyOf(ref.table(), ref.primaryKey()));
                if (stored != null && stored.changedBy(transaction)) {
                    indexes.add(stored.touch());
                }
            }
            return indexes;
        } catch (RowFormatException | KindException e) {
            return List.of(); // its own outcome says why
        } finally {
            lookups.transaction(-1);
        }
    }

    /** What the row's changes in the transaction amount to, or {@code null} when they amount to nothing. */
    private Action actionOf(RowTouch touch) {
        Op first = touch.first().op();
        if (first == Op.CREATE && touch.lastOp() == Op.DELETE) {
            return null;
        }
        if (touch.lastOp() == Op.DELETE) {
            return Action.DELETED;
        }
        if (first == Op.READ && !emitSnapshotReads) {
            return null;
        }
        return switch (first) {
            case UPDATE -> Action.UPDATED;
            case DELETE -> Action.DELETED; // deleted, then inserted again under the same key
            default -> Action.CREATED;
        };
    }

    private Outcome outcome(PendingRow pending, long transaction) {
        RowTouch touch = pending.touch();
        Action action = actionOf(touch);
        if (action == null) {
            return touch.first().op() == Op.READ
                    ? new Outcome.Skipped(IgnoredCategory.SNAPSHOT_READ, "snapshot read (remembered, not emitted)")
                    : new Outcome.Skipped(IgnoredCategory.COALESCED, "created and deleted in one transaction");
        }
        ObjectKind kind = Kinds.forTable(touch.table()).orElseThrow();
        Row state = rows.get(touch.stateKey()).row();
        lookups.transaction(transaction);
        try {
            KindResult result = reusable(pending, kind, action, transaction)
                    ? pending.early()
                    : kind.describe(
                            new RowChange(
                                    action, state, touch.previous(), transaction < 0 ? TransactionView.NONE : lookups),
                            lookups);
            return result.match(
                    emit -> new Outcome.Events(List.of(event(emit.draft(), action, touch, state))),
                    silent -> new Outcome.Skipped(silent.category(), silent.reason()));
        } catch (RowFormatException e) {
            return Outcome.DeadLetter.of(e);
        } catch (KindException e) {
            return Outcome.DeadLetter.of(e);
        } finally {
            lookups.transaction(-1);
        }
    }

    /**
     * Whether the description made when the row's only change was applied is the one {@link #outcome} would make
     * now: made with the same action (an insert that stayed one, an update) or by a kind that ignores it, and none of
     * the rows it read changed by the transaction.
     */
    private boolean reusable(PendingRow pending, ObjectKind kind, Action action, long transaction) {
        if (pending.early() == null
                || pending.touch().changes() != 1
                || (action != PendingRow.actionOnApply(pending.touch().first().op()) && kind.dependsOnAction())) {
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
        String identity = String.join(
                "|",
                String.valueOf(first.connector()),
                touch.table(),
                touch.stateKey().substring(slash + 1),
                lsnText(first.lsn()),
                first.op().code(),
                String.valueOf(first.commitMicros()));
        if (touch.changes() > 1) {
            identity += "|" + lsnText(touch.lastLsn()) + "|" + action.eventSuffix();
        }
        return new LifecycleEvent(
                occurred,
                "prefect." + draft.kind() + "." + action.eventSuffix(),
                draft.resource(),
                draft.related(),
                draft.payload(),
                EventIds.uuid7(occurred.toEpochMilli(), identity));
    }

    /** As ids have always been made: a record without an LSN hashes as {@code null}. */
    private static String lsnText(long lsn) {
        return lsn < 0 ? "null" : Long.toString(lsn);
    }
}
