package io.prefectlifecycle.forward;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * How {@code forward} authenticates to the Prefect API, as Prefect's own client does: an auth string
 * ({@code PREFECT_API_AUTH_STRING}, the client's setting, or {@code PREFECT_SERVER_API_AUTH_STRING}, the server's) is
 * sent as {@code Authorization: Basic base64(auth string)}; else an API key ({@code PREFECT_API_KEY}, Prefect Cloud)
 * as {@code Authorization: Bearer <key>}; else nothing. The secret is never part of {@link #toString()} or of a
 * message: only the name of the variable it came from.
 */
public final class PrefectAuth {

    public static final String API_AUTH_STRING = "PREFECT_API_AUTH_STRING";
    public static final String SERVER_API_AUTH_STRING = "PREFECT_SERVER_API_AUTH_STRING";
    public static final String API_KEY = "PREFECT_API_KEY";

    private final String header;
    private final String source;

    private PrefectAuth(String header, String source) {
        this.header = header;
        this.source = source;
    }

    public static PrefectAuth none() {
        return new PrefectAuth(null, null);
    }

    /** The first of {@value #API_AUTH_STRING}, {@value #SERVER_API_AUTH_STRING}, {@value #API_KEY} that is set. */
    public static PrefectAuth fromEnv(Map<String, String> env) {
        for (String variable : new String[] {API_AUTH_STRING, SERVER_API_AUTH_STRING}) {
            String value = env.get(variable);
            if (value != null && !value.isEmpty()) {
                return new PrefectAuth(
                        "Basic " + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)),
                        variable);
            }
        }
        String key = env.get(API_KEY);
        if (key != null && !key.isEmpty()) {
            return new PrefectAuth("Bearer " + key, API_KEY);
        }
        return none();
    }

    /** The {@code Authorization} header's value, when there are credentials. */
    Optional<String> header() {
        return Optional.ofNullable(header);
    }

    /** Where the credentials come from, for messages: the variable's name, or that there are none. */
    public String describe() {
        if (source == null) {
            return "no credentials (none of " + API_AUTH_STRING + ", " + SERVER_API_AUTH_STRING + ", " + API_KEY
                    + " is set)";
        }
        return (source.equals(API_KEY) ? "the API key in " : "the auth string in ") + source;
    }

    @Override
    public String toString() {
        return describe();
    }
}
