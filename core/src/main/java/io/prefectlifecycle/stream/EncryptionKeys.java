package io.prefectlifecycle.stream;

import io.prefectlifecycle.kinds.FernetKey;

import java.util.Map;
import java.util.Optional;

/** Reads the Fernet key override the way Prefect does: {@code PREFECT_SERVER_ENCRYPTION_KEY}, else {@code ORION_ENCRYPTION_KEY}. */
public final class EncryptionKeys {

    public static final String ENV_VAR = "PREFECT_SERVER_ENCRYPTION_KEY";
    static final String LEGACY_ENV_VAR = "ORION_ENCRYPTION_KEY";

    private EncryptionKeys() {}

    /** @throws IllegalArgumentException naming the variable (not its value) when it is set but not a Fernet key */
    public static Optional<FernetKey> fromEnvironment(Map<String, String> env) {
        return fromVariable(env, ENV_VAR).or(() -> fromVariable(env, LEGACY_ENV_VAR));
    }

    /**
     * The key in one variable (a source's own, {@code PREFECT_SERVER_ENCRYPTION_KEY_<SOURCE>}); empty when unset.
     *
     * @throws IllegalArgumentException naming the variable (not its value) when it is set but not a Fernet key
     */
    public static Optional<FernetKey> fromVariable(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(FernetKey.parse(value));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is not a Fernet key: " + e.getMessage());
        }
    }
}
