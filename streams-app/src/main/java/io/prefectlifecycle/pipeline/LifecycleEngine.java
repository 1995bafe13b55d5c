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
import java.util.List;
import java.util.Optional;

/**
 * The whole transformation, free of Kafka Streams: decode a Debezium record, complete the row from state, pick the
 * kind and action, build the event. The topology and {@code transform} both run every record through here.
 */
public final class LifecycleEngine {

    /** Where the {@code configuration} row holding the Fernet key is also stored, so it can be found by its key. */
    static final String ENCRYPTION_KEY_ALIAS = RowStore.keyOf("configuration", "key:ENCRYPTION_KEY");

    private final ChangeDecoder decoder = new ChangeDecoder();
    private final RowStore rows;
    private final Optional<FernetKey> keyOverride;
    private final boolean emitSnapshotReads;

    /**
     * @param rows              the row state
     * @param keyOverride       the Fernet key from the environment, which wins over the captured configuration row
     * @param emitSnapshotReads whether snapshot reads ({@code op=r}) are emitted as {@code created}
     */
    public LifecycleEngine(RowStore rows, Optional<FernetKey> keyOverride, boolean emitSnapshotReads) {
        this.rows = rows;
        this.keyOverride = keyOverride;
        this.emitSnapshotReads = emitSnapshotReads;
    }

    public Outcome process(InputRecord record) {
        Decoded decoded = decoder.decode(record.topic(), record.key(), record.value());
        return decoded.match(
                change -> apply(change.change()),
                tombstone -> new Outcome.Skipped("tombstone"),
                marker -> new Outcome.Skipped("transaction " + marker.status()),
                ignored -> new Outcome.Skipped(ignored.reason()),
                malformed -> new Outcome.DeadLetter(malformed.reason(), "MalformedRecord"));
    }

    private Outcome apply(ChangeRecord change) {
        Optional<ObjectKind> kind = Kinds.forTable(change.table());
        if (kind.isEmpty()) {
            return new Outcome.Skipped("table not mapped: " + change.table());
        }
        String stateKey = RowStore.keyOf(change.table(), change.primaryKey());
        StoredRow stored = rows.get(stateKey);
        long lsn = change.source().lsn() == null ? -1 : change.source().lsn();
        if (stored != null && lsn >= 0 && lsn <= stored.lsn()) {
            return new Outcome.Skipped("redelivered change: LSN already applied to this row");
        }
        Row known = stored == null || stored.deleted() ? null : stored.row();
        Row state;
        try {
            state = completeState(change, known);
        } catch (RowFormatException | KindException e) {
            return new Outcome.DeadLetter(e.getMessage(), e.getClass().getSimpleName());
        }
        Optional<Action> action = actionOf(change.op());
        KindResult result;
        try {
            result = action.isEmpty() ? null : kind.get().describe(new RowChange(action.get(), state, known), lookups);
        } catch (RowFormatException e) {
            // a row we cannot read is not remembered: later changes must not build on it
            return new Outcome.DeadLetter(e.getMessage(), e.getClass().getSimpleName());
        } catch (KindException e) {
            remember(stateKey, new StoredRow(lsn, change.op() == Op.DELETE, state));
            return new Outcome.DeadLetter(e.getMessage(), e.getClass().getSimpleName());
        }
        remember(stateKey, new StoredRow(lsn, change.op() == Op.DELETE, state));
        if (result == null) {
            return new Outcome.Skipped("snapshot read (remembered, not emitted)");
        }
        return result.match(
                emit -> new Outcome.Events(List.of(event(emit.draft(), action.get(), change, state))),
                silent -> new Outcome.Skipped(silent.reason()));
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

    private LifecycleEvent event(EventDraft draft, Action action, ChangeRecord change, Row state) {
        Instant occurred = change.op() == Op.READ && state.timestamp("created") != null
                ? state.timestamp("created")
                : PrefectTimestamps.fromEpochMicros(change.source().commitMicros());
        String identity = String.join("|", String.valueOf(change.source().connectorName()), change.table(),
                change.primaryKey(), String.valueOf(change.source().lsn()), change.op().code(),
                String.valueOf(change.source().commitMicros()));
        return new LifecycleEvent(occurred, "prefect." + draft.kind() + "." + action.eventSuffix(),
                draft.resource(), draft.related(), draft.payload(), EventIds.uuid7(occurred.toEpochMilli(), identity));
    }

    private final Lookups lookups = new Lookups() {
        @Override
        public Optional<Row> row(String table, String primaryKey) {
            StoredRow stored = rows.get(RowStore.keyOf(table, primaryKey));
            return stored == null || stored.deleted() ? Optional.empty() : Optional.of(stored.row());
        }

        @Override
        public Optional<FernetKey> encryptionKey() {
            if (keyOverride.isPresent()) {
                return keyOverride;
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
