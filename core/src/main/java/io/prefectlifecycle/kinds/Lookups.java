package io.prefectlifecycle.kinds;

import io.prefectlifecycle.cdc.Row;

import java.util.Optional;

/** What a kind may look up besides its own row: other tables' last known rows and the Fernet key. */
public interface Lookups {

    /** The table of the {@code ENCRYPTION_KEY} row that {@link #encryptionKey()} reads. */
    String ENCRYPTION_KEY_TABLE = "configuration";

    Optional<Row> row(String table, String primaryKey);

    /**
     * The key that decrypts block documents: {@code PREFECT_SERVER_ENCRYPTION_KEY} when set (it wins, as in
     * Prefect), otherwise the captured {@code configuration} row {@code ENCRYPTION_KEY}.
     */
    Optional<FernetKey> encryptionKey();
}
