package io.prefectlifecycle.stream;

import io.prefectlifecycle.kinds.FernetKey;

import java.util.Map;
import java.util.Optional;

/** Reads the Fernet key override the way Prefect does: {@code PREFECT_SERVER_ENCRYPTION_KEY}, else {@code ORION_ENCRYPTION_KEY}. */
public final class EncryptionKeys {

    public static final String ENV_VAR = "PREFECT_SERVER_ENCRYPTION_KEY";
    static final String LEGACY_ENV_VAR = "ORION_ENCRYPTION_KEY";

    private EncryptionKeys() {
    }

    /** @throws IllegalArgumentException naming the variable (not its value) when it is set but not a Fernet key */
    public static Optional<FernetKey> fromEnvironment(Map<String, String> env) {
        for (String name : new String[] {ENV_VAR, LEGACY_ENV_VAR}) {
            String value = env.get(name);
            if (value != null && !value.isEmpty()) {
                try {
                    return Optional.of(FernetKey.parse(value));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(name + " is not a Fernet key: " + e.getMessage());
                }
            }
        }
        return Optional.empty();
    }
}
