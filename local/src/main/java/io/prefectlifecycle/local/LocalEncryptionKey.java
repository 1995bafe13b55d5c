package io.prefectlifecycle.local;

import io.prefectlifecycle.kinds.FernetKey;
import io.prefectlifecycle.stream.EncryptionKeys;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The Fernet key of block documents on local's own database, set up as a Prefect server does it: with
 * {@code PREFECT_SERVER_ENCRYPTION_KEY} (or the older {@code ORION_ENCRYPTION_KEY}) set, that key and no row;
 * otherwise a new key in the {@code configuration} row {@code ENCRYPTION_KEY} as {@code {"fernet_key": "…"}}, which
 * the pipeline reads from the captured row like any server's.
 *
 * @param generated the text of a key made here, to be shown once; empty when the environment gave the key
 */
public record LocalEncryptionKey(FernetKey key, Optional<String> generated) {

    /** @throws IllegalArgumentException when the environment variable is set but is not a Fernet key (not shown) */
    public static LocalEncryptionKey setUp(Connection db, Map<String, String> env) throws SQLException {
        Optional<FernetKey> fromEnvironment = EncryptionKeys.fromEnvironment(env);
        if (fromEnvironment.isPresent()) {
            return new LocalEncryptionKey(fromEnvironment.get(), Optional.empty());
        }
        String text = FernetKey.generate();
        String now = Instant.now().toString();
        try (PreparedStatement insert =
                db.prepareStatement("INSERT INTO configuration (key, value, id, created, updated) "
                        + "VALUES (?, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz)")) {
            insert.setString(1, "ENCRYPTION_KEY");
            insert.setString(2, "{\"fernet_key\": \"" + text + "\"}");
            insert.setString(3, UUID.randomUUID().toString());
            insert.setString(4, now);
            insert.setString(5, now);
            insert.executeUpdate();
        }
        return new LocalEncryptionKey(FernetKey.parse(text), Optional.of(text));
    }

    @Override
    public String toString() {
        return "LocalEncryptionKey[redacted]";
    }
}
