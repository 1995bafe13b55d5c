package io.prefectlifecycle.stream;

import io.prefectlifecycle.cdc.ChangeDecoder;
import io.prefectlifecycle.cdc.ChangeRecord;
import io.prefectlifecycle.cdc.DeadLetterCategory;
import io.prefectlifecycle.cdc.Decoded;
import io.prefectlifecycle.cdc.IgnoredCategory;
import io.prefectlifecycle.cdc.Op;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.cdc.RowFormatException;
import io.prefectlifecycle.kinds.FernetKey;
import io.prefectlifecycle.kinds.KindException;
import io.prefectlifecycle.kinds.KindResult;
import io.prefectlifecycle.kinds.Kinds;
import io.prefectlifecycle.kinds.Lookups;
import io.prefectlifecycle.kinds.ObjectKind;
import io.prefectlifecycle.kinds.RowChange;
import io.prefectlifecycle.kinds.SchemaVersionTable;
import io.prefectlifecycle.kinds.TouchedRow;
import io.prefectlifecycle.kinds.TransactionView;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The transformation of one database's ordered change stream: Debezium's records of every captured table and its
 * BEGIN/END records, in the order PostgreSQL committed them (one topic, one partition), in, Prefect's events out.
 * <ul>
 *   <li>A change is applied to the {@link RowStore} as it is read, and the row is noted as touched by the open
 *       transaction ({@link TransactionState}): its state before the transaction, its first change, the record of
 *       its last change.</li>
 *   <li>The transaction ends at its END record, or, without transaction metadata, at the first change of another
 *       transaction. Then each touched row gets its outcome ({@link TransactionEvents}), in the order of the rows'
 *       first changes, except rows a kind wants right before its own (a new work pool's default queue, a deleted
 *       pool's queues). Nothing waits on a clock: the stream is in commit order, so nothing else can complete it.</li>
 *   <li>A change whose LSN the row has already seen is Debezium sending it again (after a restart of Connect) and is
 *       dropped at once. So are BEGIN and END records of any transaction but the open one.</li>
 *   <li>A transaction that changes {@code alembic_version} is a Prefect upgrade: its rows are applied and silent.</li>
 *   <li>Snapshot reads, and changes that carry no transaction id (Debezium always sends one for a streamed change),
 *       are applied and described at once, and leave the open transaction as it is.</li>
 * </ul>
 * Every record gets exactly one {@link Emission}: at once, or, for a change in a transaction, when the transaction
 * ends (with the row's last change; earlier changes of the row are coalesced into it). State is written as records
 * are read, so that whatever offset a crash stops at, the stream goes on from there with the same outcome.
 */
public final class ChangeStream {

    /** Touched rows kept as objects; a larger transaction is read back from {@link TransactionState} when it ends. */
    private static final int TOUCHES_IN_MEMORY = 10_000;
    /** The reason of a change to a table without a kind, followed by the table. */
    public static final String UNMAPPED_TABLE = "table not mapped: ";
    /** Touch entries a transaction leaves for the next to overwrite; a larger one removes the rest. */
    private static final int TOUCHES_KEPT = 1_000;

    private final ChangeDecoder decoder;
    private final RowStore rows;
    private final TransactionState state;
    private final RowLookups lookups;
    private final TransactionEvents events;
    private OpenTransaction open;
    /** Whether {@link #open} changed since it was last written to {@link #state} (written once per record). */
    private boolean openChanged;
    /** The open transaction's rows, while they all fit ({@link #TOUCHES_IN_MEMORY}) and were seen by this process. */
    private final List<PendingRow> pending = new ArrayList<>();

    private boolean pendingComplete;

    /**
     * @param keyOverride       the Fernet key from the environment, which wins over the captured configuration row
     * @param emitSnapshotReads whether snapshot reads ({@code op=r}) are emitted as {@code created}
     * @param decoder           the decoder, with the writer schemas of Avro input when a schema registry is configured
     */
    public ChangeStream(
            RowStore rows,
            TransactionState state,
            Optional<FernetKey> keyOverride,
            boolean emitSnapshotReads,
            ChangeDecoder decoder) {
        this.decoder = decoder;
        this.rows = rows;
        this.state = state;
        this.lookups = new RowLookups(rows, keyOverride, this::touch, () -> open.touched());
        this.events = new TransactionEvents(rows, lookups, emitSnapshotReads);
        this.open = state.open();
        this.pendingComplete = !open.isOpen() || open.touched() == 0;
    }

    /** The transaction in progress, or the last one closed ({@link OpenTransaction#isOpen()} says which). */
    public OpenTransaction openTransaction() {
        return open;
    }

    /**
     * Reads the next record of the stream.
     *
     * @param out receives the emissions the record completes: its own, and when it ends a transaction, those of
     *            the transaction's rows
     * @throws io.prefectlifecycle.registry.SchemaRegistryUnavailableException when an Avro record's writer schema
     *         cannot be fetched: nothing was applied, the record must be offered again
     */
    public void offer(InputRecord record, Consumer<Emission> out) {
        Decoded decoded = decoder.decode(record.topic(), record.key(), record.value());
        try {
            handle(record, decoded, out);
        } finally {
            if (openChanged) {
                state.open(open);
                openChanged = false;
            }
        }
    }

    private void handle(InputRecord record, Decoded decoded, Consumer<Emission> out) {
        decoded.match(
                change -> change(record, change.change(), out),
                tombstone -> skip(record, IgnoredCategory.TOMBSTONE, "tombstone", out),
                marker -> {
                    if (marker.status().equals("END")
                            && open.isOpen()
                            && open.id().equals(idOf(marker.id()))) {
                        end(out);
                    }
                    return skip(record, IgnoredCategory.TRANSACTION_MARKER, "transaction " + marker.status(), out);
                },
                ignored -> skip(record, ignored.category(), ignored.reason(), out),
                malformed -> emit(
                        out, record, new Outcome.DeadLetter(DeadLetterCategory.MALFORMED_RECORD, malformed.reason())));
    }

    /**
     * The end of a finite input ({@code transform}): ends the open transaction, which without transaction metadata
     * has nothing else to end it.
     */
    public void endOfInput(Consumer<Emission> out) {
        end(out);
        if (openChanged) {
            state.open(open);
            openChanged = false;
        }
    }

    private Void change(InputRecord record, ChangeRecord change, Consumer<Emission> out) {
        Optional<ObjectKind> kind = Kinds.forTable(change.table());
        if (kind.isEmpty()) {
            return skip(record, IgnoredCategory.UNMAPPED_TABLE, UNMAPPED_TABLE + change.table(), out);
        }
        String stateKey = RowStore.keyOf(change.table(), change.primaryKey());
        StoredRow stored = rows.get(stateKey);
        long lsn = RowTouch.lsnOf(change);
        if (stored != null && lsn >= 0 && lsn <= stored.lsn()) {
            return skip(
                    record, IgnoredCategory.REDELIVERED, "redelivered change: LSN already applied to this row", out);
        }
        String transactionId = transactionOf(change);
        if (transactionId == null) {
            applyAlone(record, change, kind.get(), stateKey, stored, out);
        } else {
            if (open.isOpen() && !open.id().equals(transactionId)) {
                end(out); // without metadata nothing else ends a transaction; with it, its END went missing
            }
            if (!open.isOpen()) {
                setOpen(open.next(transactionId));
            }
            applyInTransaction(record, change, kind.get(), stateKey, stored, out);
        }
        return null;
    }

    /** A snapshot read, or a change that carries no transaction id: its own transaction, described at once. */
    private void applyAlone(
            InputRecord record,
            ChangeRecord change,
            ObjectKind kind,
            String stateKey,
            StoredRow stored,
            Consumer<Emission> out) {
        Row known = known(stored);
        Applied applied = apply(change, kind, known, out, record);
        if (applied != null) {
            remember(stateKey, new StoredRow(RowTouch.lsnOf(change), change.op() == Op.DELETE, applied.state()));
            PendingRow row = new PendingRow(
                    RowTouch.first(stateKey, change, known, record), applied.early(), applied.lookedUp());
            out.accept(events.of(row, -1));
        }
    }

    private void applyInTransaction(
            InputRecord record,
            ChangeRecord change,
            ObjectKind kind,
            String stateKey,
            StoredRow stored,
            Consumer<Emission> out) {
        Row known = known(stored);
        Applied applied = apply(change, kind, known, out, record);
        if (applied == null) {
            return;
        }
        RowTouch touch;
        int index;
        if (stored != null && stored.changedBy(open.sequence())) {
            index = stored.touch();
            RowTouch earlier = touch(index);
            emit(
                    out,
                    earlier.lastRecord(),
                    new Outcome.Skipped(
                            IgnoredCategory.COALESCED, "coalesced with a later change of the row in its transaction"));
            touch = earlier.then(change, recordToKeep(record, kind, applied));
        } else {
            index = open.touched();
            touch = RowTouch.first(stateKey, change, known, recordToKeep(record, kind, applied));
            setOpen(open.withTouched(index + 1));
        }
        state.touch(index, touch);
        remember(
                stateKey,
                new StoredRow(
                        RowTouch.lsnOf(change), change.op() == Op.DELETE, applied.state(), open.sequence(), index));
        if (kind instanceof SchemaVersionTable && change.op() != Op.DELETE) {
            setOpen(open.upgradingTo(applied.state().string(SchemaVersionTable.REVISION)));
        }
        keepPending(index, new PendingRow(touch, applied.early(), applied.lookedUp()));
    }

    /**
     * The record a touch keeps for the row's outcome: whole when the outcome could still be a dead letter when the
     * transaction ends (its description failed or waited, read other rows, or depends on the action), else only where
     * it was read. State then holds the bytes of a transaction's changes only where they may be needed.
     */
    private static InputRecord recordToKeep(InputRecord record, ObjectKind kind, Applied applied) {
        boolean settled = applied.early() != null && applied.lookedUp().isEmpty() && !kind.dependsOnAction();
        return settled ? record.withoutBytes() : record;
    }

    /**
     * The transaction as seen while a change is applied, before it has ended: a description that asks about it is not
     * made yet (the kind's exception makes it {@code null}) but when the transaction ends.
     */
    private static final TransactionView NOT_ENDED = new TransactionView() {
        @Override
        public boolean deleted(String table, String primaryKey) {
            throw notEnded();
        }

        @Override
        public boolean created(String table, String primaryKey) {
            throw notEnded();
        }

        @Override
        public Optional<Row> before(String table, String primaryKey) {
            throw notEnded();
        }

        @Override
        public Iterable<TouchedRow> touched(String table) {
            throw notEnded();
        }

        private KindException notEnded() {
            return new KindException(DeadLetterCategory.MISSING_STATE, "decided when the transaction ends");
        }
    };

    /**
     * The row a change leaves behind and its description ({@link PendingRow#actionOnApply}), or {@code null} if it
     * was dead-lettered.
     */
    private record Applied(Row state, KindResult early, List<String> lookedUp) {}

    /**
     * Completes the change's row from state and checks that the kind can read it. A row it cannot read is
     * dead-lettered on its own and not remembered, so it neither poisons the other changes of its transaction nor
     * later changes of the row. Whether an event can be built (keys, lookups) is decided when the transaction ends.
     */
    private Applied apply(ChangeRecord change, ObjectKind kind, Row known, Consumer<Emission> out, InputRecord record) {
        List<String> lookedUp = new ArrayList<>(2);
        try {
            Row state = completeState(change, known);
            if (kind.emitsEvents()) {
                state.timestamp("created");
            }
            lookups.collecting(lookedUp);
            KindResult early;
            try {
                early = kind.describe(
                        new RowChange(PendingRow.actionOnApply(change.op()), state, known, NOT_ENDED), lookups);
            } catch (KindException notDecidedYet) {
                early = null; // decided when the transaction ends: a later change may supply what is missing
            }
            return new Applied(state, early, lookedUp);
        } catch (RowFormatException e) {
            emit(out, record, Outcome.DeadLetter.of(e));
            return null;
        } catch (KindException e) {
            emit(out, record, Outcome.DeadLetter.of(e));
            return null;
        } finally {
            lookups.collecting(null);
        }
    }

    /**
     * Emits the open transaction's rows and closes it. The rows of a Prefect upgrade (a transaction that changed
     * {@code alembic_version}) are silent: Prefect announces none of what its migrations rewrite.
     */
    private void end(Consumer<Emission> out) {
        if (!open.isOpen()) {
            return;
        }
        IntFunction<PendingRow> rowAt = i -> pendingComplete ? pending.get(i) : PendingRow.restored(state.touch(i));
        if (open.upgrade() != null) {
            for (int i = 0; i < open.touched(); i++) {
                PendingRow row = rowAt.apply(i);
                if (row.touch().table().equals(Kinds.SCHEMA_VERSION_TABLE)) {
                    out.accept(events.of(row, open.sequence()));
                } else {
                    out.accept(new Emission(
                            row.touch().lastRecord(),
                            new Outcome.Skipped(
                                    IgnoredCategory.UPGRADE,
                                    "changed by the Prefect schema migration to " + open.upgrade())));
                }
            }
        } else {
            events.emit(open.touched(), open.sequence(), rowAt, out);
        }
        if (open.touched() > TOUCHES_KEPT) {
            state.forget(TOUCHES_KEPT, open.touched());
        }
        setOpen(open.closed());
        pending.clear();
        pendingComplete = true;
    }

    private void setOpen(OpenTransaction transaction) {
        open = transaction;
        openChanged = true;
    }

    private RowTouch touch(int index) {
        return pendingComplete && index < pending.size() ? pending.get(index).touch() : state.touch(index);
    }

    private void keepPending(int index, PendingRow row) {
        if (!pendingComplete) {
            return;
        }
        if (index < pending.size()) {
            pending.set(index, row);
        } else if (pending.size() < TOUCHES_IN_MEMORY) {
            pending.add(row);
        } else {
            pending.clear();
            pendingComplete = false; // a large transaction: read back from state when it ends
        }
    }

    private void remember(String stateKey, StoredRow row) {
        rows.put(stateKey, row);
        if (row.row().table().equals(Lookups.ENCRYPTION_KEY_TABLE)
                && "ENCRYPTION_KEY".equals(row.row().string("key"))) {
            if (row.deleted()) {
                rows.delete(RowLookups.ENCRYPTION_KEY_ALIAS);
            } else {
                rows.put(RowLookups.ENCRYPTION_KEY_ALIAS, row);
            }
        }
    }

    private static Row known(StoredRow stored) {
        return stored == null || stored.deleted() ? null : stored.row();
    }

    /** The complete row the change leaves behind, or for a delete the last state before it. */
    private static Row completeState(ChangeRecord change, Row known) {
        if (change.op() != Op.DELETE) {
            return change.after().withUnavailableFrom(known != null ? known : completeOrNull(change.before()));
        }
        Row before = completeOrNull(change.before());
        if (before != null) {
            return before.withUnavailableFrom(known);
        }
        if (known == null) {
            throw new KindException(
                    DeadLetterCategory.MISSING_STATE,
                    "delete of a row never seen: its payload is unknown "
                            + "(capture it from a snapshot, or set REPLICA IDENTITY FULL on " + change.table() + ")");
        }
        return known;
    }

    private static Row completeOrNull(Row row) {
        return row != null && row.isComplete() ? row : null;
    }

    /** The transaction a change belongs to; {@code null} for a snapshot read or a record without a transaction id. */
    private static String transactionOf(ChangeRecord change) {
        if (change.op() == Op.READ) {
            return null;
        }
        if (change.transaction() != null) {
            return idOf(change.transaction().id());
        }
        return change.source().txId() == null ? null : change.source().txId().toString();
    }

    /**
     * Debezium 3.6 writes transaction ids as {@code <txId>:<lsn>} with the LSN of each record, so BEGIN, the changes
     * and END of one transaction differ after the colon: the transaction is the part before it.
     */
    private static String idOf(String transactionId) {
        int colon = transactionId.indexOf(':');
        return colon < 0 ? transactionId : transactionId.substring(0, colon);
    }

    private static Void skip(InputRecord record, IgnoredCategory category, String reason, Consumer<Emission> out) {
        return emit(out, record, new Outcome.Skipped(category, reason));
    }

    private static Void emit(Consumer<Emission> out, InputRecord record, Outcome outcome) {
        out.accept(new Emission(record, outcome));
        return null;
    }
}
