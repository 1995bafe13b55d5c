package io.prefectlifecycle.stream;

import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.kinds.FernetKey;
import io.prefectlifecycle.kinds.KindException;
import io.prefectlifecycle.kinds.Lookups;
import io.prefectlifecycle.kinds.TransactionView;

import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * The kinds' view of state: other tables' rows and the Fernet key ({@link Lookups}), and what the open transaction
 * deleted ({@link TransactionView}). A row the transaction deleted is looked up as it was before the transaction.
 * While a change is described as it is applied, the state keys read are collected ({@link #collecting}): a
 * description that read a row the transaction changes later is made again when the transaction ends.
 */
final class RowLookups implements Lookups, TransactionView {

    /** Where the {@code configuration} row holding the Fernet key is also stored, so it can be found by its key. */
    static final String ENCRYPTION_KEY_ALIAS = RowStore.keyOf("configuration", "key:ENCRYPTION_KEY");

    private final RowStore rows;
    private final Optional<FernetKey> keyOverride;
    private final IntFunction<RowTouch> touches;
    private long transaction = -1;
    private List<String> consulted;

    /**
     * @param keyOverride the Fernet key from the environment, which wins over the captured configuration row
     * @param touches     the open transaction's touched rows, by number
     */
    RowLookups(RowStore rows, Optional<FernetKey> keyOverride, IntFunction<RowTouch> touches) {
        this.rows = rows;
        this.keyOverride = keyOverride;
        this.touches = touches;
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
        return stored.changedBy(transaction) ? Optional.ofNullable(touches.apply(stored.touch()).previous())
                : Optional.empty();
    }

    @Override
    public boolean deleted(String table, String primaryKey) {
        StoredRow stored = rows.get(RowStore.keyOf(table, primaryKey));
        return stored != null && stored.deleted() && stored.changedBy(transaction);
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
}
