package io.prefectlifecycle.pipeline;

import io.prefectlifecycle.cdc.ChangeDecoder;
import io.prefectlifecycle.cdc.ChangeRecord;
import io.prefectlifecycle.cdc.Decoded;
import io.prefectlifecycle.cdc.Op;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.cdc.RowFormatException;
import io.prefectlifecycle.event.EventIds;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.event.PrefectTimestamps;
import io.prefectlifecycle.kinds.Action;
import io.prefectlifecycle.kinds.EventDraft;
import io.prefectlifecycle.kinds.FernetKey;
import io.prefectlifecycle.kinds.KindException;
import io.prefectlifecycle.kinds.KindResult;
import io.prefectlifecycle.kinds.Kinds;
import io.prefectlifecycle.kinds.Lookups;
import io.prefectlifecycle.kinds.ObjectKind;
import io.prefectlifecycle.kinds.RowChange;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The transformation, free of Kafka Streams, in two steps: {@link #apply} decodes nothing and emits nothing, it
 * completes a change's row from state and remembers it; {@link #complete} turns the applied changes of one
 * transaction into events, one per row (Prefect emits one per API operation): the first change decides the action,
 * the last state is the payload, and block documents deleted by cascade with their block type or schema are silent.
 */
public final class LifecycleEngine {

    /** Where the {@code configuration} row holding the Fernet key is also stored, so it can be found by its key. */
    static final String ENCRYPTION_KEY_ALIAS = RowStore.keyOf("configuration", "key:ENCRYPTION_KEY");

    /** The result of applying one change: a step waiting for its transaction, or already a final outcome. */
    public record Applied(RowStep step, Outcome outcome) {
    }

    private final ChangeDecoder decoder;
    private final RowStore rows;
    private final Optional<FernetKey> keyOverride;
    private final boolean emitSnapshotReads;

    /**
     * @param rows              the row state
     * @param keyOverride       the Fernet key from the environment, which wins over the captured configuration row
     * @param emitSnapshotReads whether snapshot reads ({@code op=r}) are emitted as {@code created}
     */
    public LifecycleEngine(RowStore rows, Optional<FernetKey> keyOverride, boolean emitSnapshotReads) {
        this(rows, keyOverride, emitSnapshotReads, new ChangeDecoder());
    }

    /** @param decoder the decoder, with the writer schemas of Avro input when a schema registry is configured */
    public LifecycleEngine(RowStore rows, Optional<FernetKey> keyOverride, boolean emitSnapshotReads,
                           ChangeDecoder decoder) {
        this.decoder = decoder;
        this.rows = rows;
        this.keyOverride = keyOverride;
        this.emitSnapshotReads = emitSnapshotReads;
    }

    public Decoded decode(InputRecord record) {
        return decoder.decode(record.topic(), record.key(), record.value());
    }

    /** One record as a transaction of its own: decode, apply, complete. */
    public Outcome process(InputRecord record) {
        return decode(record).match(
                change -> {
                    Applied applied = apply(record, change.change());
                    return applied.outcome() != null ? applied.outcome()
                            : complete(List.of(applied.step())).get(0).outcome();
                },
                tombstone -> new Outcome.Skipped("tombstone"),
                marker -> new Outcome.Skipped("transaction " + marker.status()),
                ignored -> new Outcome.Skipped(ignored.reason()),
                malformed -> new Outcome.DeadLetter(malformed.reason(), "MalformedRecord"));
    }

    /** Completes the change's row from state and remembers it. */
    public Applied apply(InputRecord source, ChangeRecord change) {
        Optional<ObjectKind> kind = Kinds.forTable(change.table());
        if (kind.isEmpty()) {
            return done(new Outcome.Skipped("table not mapped: " + change.table()));
        }
        String stateKey = RowStore.keyOf(change.table(), change.primaryKey());
        StoredRow stored = rows.get(stateKey);
        long lsn = change.source().lsn() == null ? -1 : change.source().lsn();
        if (stored != null && lsn >= 0 && lsn <= stored.lsn()) {
            return done(new Outcome.Skipped("redelivered change: LSN already applied to this row"));
        }
        Row known = stored == null || stored.deleted() ? null : stored.row();
        Row state;
        KindResult asUpdate;
        List<String> lookedUp = new ArrayList<>(2);
        try {
            state = completeState(change, known);
            asUpdate = readable(kind.get(), state, known, lookedUp);
        } catch (RowFormatException | KindException e) {
            return done(new Outcome.DeadLetter(e.getMessage(), e.getClass().getSimpleName()));
        }
        remember(stateKey, new StoredRow(lsn, change.op() == Op.DELETE, state));
        return new Applied(new RowStep(source, change, kind.get(), stateKey, state, known, asUpdate, lookedUp), null);
    }

    /**
     * The outcomes of the applied changes of one transaction, in order: one event per row at the position of the
     * row's first change, and for every other record the reason it produced nothing.
     */
    public List<Emission> complete(List<RowStep> steps) {
        Map<String, List<RowStep>> byRow = new LinkedHashMap<>();
        for (RowStep step : steps) {
            byRow.computeIfAbsent(step.stateKey(), k -> new ArrayList<>()).add(step);
        }
        Set<String> deletedParents = deletedBlockParents(byRow.values());
        Set<String> changed = changedKeys(byRow.keySet(), steps);
        List<Emission> emissions = new ArrayList<>(steps.size());
        for (List<RowStep> rowSteps : byRow.values()) {
            RowStep last = rowSteps.get(rowSteps.size() - 1);
            for (RowStep earlier : rowSteps.subList(0, rowSteps.size() - 1)) {
                emissions.add(new Emission(earlier.source(),
                        new Outcome.Skipped("coalesced with a later change of the row in its transaction")));
            }
            emissions.add(new Emission(last.source(), describe(rowSteps, deletedParents, changed)));
        }
        return emissions;
    }

    private Outcome describe(List<RowStep> rowSteps, Set<String> deletedParents, Set<String> changed) {
        RowStep first = rowSteps.get(0);
        RowStep last = rowSteps.get(rowSteps.size() - 1);
        Op firstOp = first.change().op();
        Op lastOp = last.change().op();
        if (firstOp == Op.CREATE && lastOp == Op.DELETE) {
            return new Outcome.Skipped("created and deleted in one transaction");
        }
        Optional<Action> action = lastOp == Op.DELETE ? Optional.of(Action.DELETED) : actionOf(firstOp);
        if (action.isEmpty()) {
            return new Outcome.Skipped("snapshot read (remembered, not emitted)");
        }
        if (action.get() == Action.DELETED && isCascade(last, deletedParents)) {
            return new Outcome.Skipped("deleted by cascade with its block type or block schema");
        }
        try {
            KindResult result = reusable(rowSteps, action.get(), changed) ? first.asUpdate()
                    : last.kind().describe(new RowChange(action.get(), last.state(), first.previous()), lookups);
            return result.match(
                    emit -> new Outcome.Events(List.of(event(emit.draft(), action.get(), rowSteps))),
                    silent -> new Outcome.Skipped(silent.reason()));
        } catch (RowFormatException | KindException e) {
            return new Outcome.DeadLetter(e.getMessage(), e.getClass().getSimpleName());
        }
    }

    /**
     * Fails when the kind cannot read the row: such a row is dead-lettered on its own and not remembered, so it
     * neither poisons the other changes of its transaction nor later changes of the row. Whether an event can be
     * built (keys, lookups) is decided later, with the whole transaction.
     *
     * @param lookedUp receives the state keys of the other rows the kind consulted
     * @return the description of the change as an update, for {@link #reusable}; {@code null} if there is none yet
     */
    private KindResult readable(ObjectKind kind, Row state, Row known, List<String> lookedUp) {
        state.timestamp("created");
        consulted = lookedUp;
        try {
            return kind.describe(new RowChange(Action.UPDATED, state, known), lookups);
        } catch (KindException notDecidedYet) {
            return null; // decided when the transaction completes
        } finally {
            consulted = null;
        }
    }

    /** The state keys the transaction's changes wrote: descriptions that consulted one of them are made again. */
    private static Set<String> changedKeys(Set<String> rowKeys, List<RowStep> steps) {
        for (RowStep step : steps) {
            if (step.change().table().equals("configuration")) {
                Set<String> changed = new HashSet<>(rowKeys);
                changed.add(ENCRYPTION_KEY_ALIAS);
                return changed;
            }
        }
        return rowKeys;
    }

    /**
     * Whether the description made when the row's only change was applied is the one {@link #describe} would make
     * now: same row and previous state, the same action or a kind that ignores it, and none of the rows it consulted
     * (block schema, Fernet key) changed by the transaction.
     */
    private static boolean reusable(List<RowStep> rowSteps, Action action, Set<String> changed) {
        RowStep only = rowSteps.get(0);
        if (rowSteps.size() != 1 || only.asUpdate() == null
                || (action != Action.UPDATED && only.kind().dependsOnAction())) {
            return false;
        }
        for (String key : only.lookedUp()) {
            if (changed.contains(key)) {
                return false;
            }
        }
        return true;
    }

    /** {@code block_type/<id>} and {@code block_schema/<id>} of the block types and schemas the transaction deleted. */
    private static Set<String> deletedBlockParents(Iterable<List<RowStep>> byRow) {
        Set<String> deleted = new HashSet<>();
        for (List<RowStep> rowSteps : byRow) {
            RowStep last = rowSteps.get(rowSteps.size() - 1);
            String table = last.change().table();
            if (last.change().op() == Op.DELETE && (table.equals("block_type") || table.equals("block_schema"))) {
                deleted.add(last.stateKey());
            }
        }
        return deleted;
    }

    private static boolean isCascade(RowStep documentDelete, Set<String> deletedParents) {
        if (deletedParents.isEmpty() || !documentDelete.change().table().equals("block_document")) {
            return false;
        }
        Row document = documentDelete.state();
        return deletedParents.contains(RowStore.keyOf("block_type", document.string("block_type_id")))
                || deletedParents.contains(RowStore.keyOf("block_schema", document.string("block_schema_id")));
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
            throw new KindException("delete of a row never seen: its payload is unknown "
                    + "(capture it from a snapshot, or set REPLICA IDENTITY FULL on " + change.table() + ")");
        }
        return known;
    }

    private static Row completeOrNull(Row row) {
        return row != null && row.isComplete() ? row : null;
    }

    private Optional<Action> actionOf(Op op) {
        return switch (op) {
            case CREATE -> Optional.of(Action.CREATED);
            case UPDATE -> Optional.of(Action.UPDATED);
            case DELETE -> Optional.of(Action.DELETED);
            case READ -> emitSnapshotReads ? Optional.of(Action.CREATED) : Optional.empty();
            case TRUNCATE, MESSAGE -> throw new IllegalStateException("decoder never yields op " + op);
        };
    }

    private static Applied done(Outcome outcome) {
        return new Applied(null, outcome);
    }

    private void remember(String stateKey, StoredRow row) {
        rows.put(stateKey, row);
        if (row.row().table().equals("configuration") && "ENCRYPTION_KEY".equals(row.row().string("key"))) {
            if (row.deleted()) {
                rows.delete(ENCRYPTION_KEY_ALIAS);
            } else {
                rows.put(ENCRYPTION_KEY_ALIAS, row);
            }
        }
    }

    /**
     * The event of a row's changes in one transaction. Its id hashes the identity of the first change (and of the
     * last, when there were several), so it is the same whenever the same records are replayed.
     */
    private LifecycleEvent event(EventDraft draft, Action action, List<RowStep> rowSteps) {
        ChangeRecord first = rowSteps.get(0).change();
        Row state = rowSteps.get(rowSteps.size() - 1).state();
        Instant occurred = first.op() == Op.READ && state.timestamp("created") != null
                ? state.timestamp("created")
                : PrefectTimestamps.fromEpochMicros(first.source().commitMicros());
        String identity = String.join("|", String.valueOf(first.source().connectorName()), first.table(),
                first.primaryKey(), String.valueOf(first.source().lsn()), first.op().code(),
                String.valueOf(first.source().commitMicros()));
        if (rowSteps.size() > 1) {
            identity += "|" + rowSteps.get(rowSteps.size() - 1).change().source().lsn() + "|" + action.eventSuffix();
        }
        return new LifecycleEvent(occurred, "prefect." + draft.kind() + "." + action.eventSuffix(),
                draft.resource(), draft.related(), draft.payload(), EventIds.uuid7(occurred.toEpochMilli(), identity));
    }

    /** While {@link #readable} describes a change: collects the state keys {@link #lookups} reads. */
    private List<String> consulted;

    private final Lookups lookups = new Lookups() {
        @Override
        public Optional<Row> row(String table, String primaryKey) {
            String key = RowStore.keyOf(table, primaryKey);
            if (consulted != null) {
                consulted.add(key);
            }
            StoredRow stored = rows.get(key);
            return stored == null || stored.deleted() ? Optional.empty() : Optional.of(stored.row());
        }

        @Override
        public Optional<FernetKey> encryptionKey() {
            if (keyOverride.isPresent()) {
                return keyOverride;
            }
            if (consulted != null) {
                consulted.add(ENCRYPTION_KEY_ALIAS);
            }
            StoredRow stored = rows.get(ENCRYPTION_KEY_ALIAS);
            if (stored == null) {
                return Optional.empty();
            }
            String fernetKey = stored.row().json("value").path("fernet_key").asText(null);
            if (fernetKey == null) {
                throw new KindException("configuration ENCRYPTION_KEY has no fernet_key");
            }
            try {
                return Optional.of(FernetKey.parse(fernetKey));
            } catch (IllegalArgumentException e) {
                throw new KindException("configuration ENCRYPTION_KEY is not a Fernet key");
            }
        }
    };
}
