package io.prefectlifecycle.stream;

import io.prefectlifecycle.cdc.DeadLetterCategory;
import io.prefectlifecycle.cdc.Op;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.kinds.FernetKey;
import io.prefectlifecycle.kinds.KindException;
import io.prefectlifecycle.kinds.Lookups;
import io.prefectlifecycle.kinds.TouchedRow;
import io.prefectlifecycle.kinds.TransactionView;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;

/**
 * The kinds' view of state: other tables' rows and the Fernet key ({@link Lookups}), and what the open transaction
 * changed ({@link TransactionView}: read from the row store, whose rows carry the transaction that last changed them,
 * and the transaction's touched rows). A row is looked up as it is after the transaction, or, when the transaction
 * deleted it, as it was before the transaction.
 * While a change is described as it is applied, the state keys read are collected ({@link #collecting}): a
 * description that read a row the transaction changes later is made again when the transaction ends.
 */
final class RowLookups implements Lookups, TransactionView {

    /** Where the {@code configuration} row holding the Fernet key is also stored, so it can be found by its key. */
    static final String ENCRYPTION_KEY_ALIAS = RowStore.keyOf(Lookups.ENCRYPTION_KEY_TABLE, "key:ENCRYPTION_KEY");

    private final RowStore rows;
    private final Optional<FernetKey> keyOverride;
    private final IntFunction<RowTouch> touches;
    private final IntSupplier touchedCount;
    private long transaction = -1;
    private List<String> consulted;

    /**
     * @param keyOverride the Fernet key from the environment, which wins over the captured configuration row
     * @param touches      the open transaction's touched rows, by number
     * @param touchedCount how many rows the open transaction has touched
     */
    RowLookups(
            RowStore rows, Optional<FernetKey> keyOverride, IntFunction<RowTouch> touches, IntSupplier touchedCount) {
        this.rows = rows;
        this.keyOverride = keyOverride;
        this.touches = touches;
        this.touchedCount = touchedCount;
    }

    /** The transaction whose view this is: its number ({@link OpenTransaction#sequence()}), or -1 for none. */
    void transaction(long sequence) {
        this.transaction = sequence;
    }

    /** Collects the state keys read into {@code keys} until called with {@code null}. */
    void collecting(List<String> keys) {
        this.consulted = keys;
    }

    @Override
    public Optional<Row> row(String table, String primaryKey) {
        String key = RowStore.keyOf(table, primaryKey);
        if (consulted != null) {
            consulted.add(key);
        }
        StoredRow stored = rows.get(key);
        if (stored == null) {
            return Optional.empty();
        }
        if (!stored.deleted()) {
            return Optional.of(stored.row());
        }
        return stored.changedBy(transaction)
                ? Optional.ofNullable(touches.apply(stored.touch()).previous())
                : Optional.empty();
    }

    @Override
    public boolean deleted(String table, String primaryKey) {
        StoredRow stored = rows.get(RowStore.keyOf(table, primaryKey));
        return stored != null && stored.deleted() && stored.changedBy(transaction);
    }

    @Override
    public boolean created(String table, String primaryKey) {
        StoredRow stored = rows.get(RowStore.keyOf(table, primaryKey));
        return stored != null
                && stored.changedBy(transaction)
                && touches.apply(stored.touch()).first().op() == Op.CREATE;
    }

    @Override
    public Optional<Row> before(String table, String primaryKey) {
        StoredRow stored = rows.get(RowStore.keyOf(table, primaryKey));
        if (stored == null) {
            return Optional.empty();
        }
        if (stored.changedBy(transaction)) {
            return Optional.ofNullable(touches.apply(stored.touch()).previous());
        }
        return stored.deleted() ? Optional.empty() : Optional.of(stored.row());
    }

    /** Streams the touched rows: one {@link RowTouch} read per row of the transaction, one row read per match. */
    @Override
    public Iterable<TouchedRow> touched(String table) {
        long sequence = transaction;
        int count = sequence < 0 ? 0 : touchedCount.getAsInt();
        return () -> new Iterator<>() {
            private int next;
            private TouchedRow found = advance();

            private TouchedRow advance() {
                while (next < count) {
                    RowTouch touch = touches.apply(next++);
                    if (touch.table().equals(table)) {
                        StoredRow stored = rows.get(touch.stateKey());
                        String key = touch.stateKey().substring(table.length() + 1);
                        return new TouchedRow(
                                key,
                                touch.first().op() == Op.CREATE,
                                touch.lastOp() == Op.DELETE,
                                touch.previous(),
                                stored.row());
                    }
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return found != null;
            }

            @Override
            public TouchedRow next() {
                if (found == null) {
                    throw new NoSuchElementException();
                }
                TouchedRow current = found;
                found = advance();
                return current;
            }
        };
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
            throw new KindException(DeadLetterCategory.ENCRYPTION, "configuration ENCRYPTION_KEY has no fernet_key");
        }
        try {
            return Optional.of(FernetKey.parse(fernetKey));
        } catch (IllegalArgumentException e) {
            throw new KindException(DeadLetterCategory.ENCRYPTION, "configuration ENCRYPTION_KEY is not a Fernet key");
        }
    }
}
