package io.prefectlifecycle.forward;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Prefect's client: an auth string wins over an API key; neither appears in what is shown. */
class PrefectAuthTest {

    @Test
    void anAuthStringIsBasicAndWinsOverAnApiKey() {
        PrefectAuth auth =
                PrefectAuth.fromEnv(Map.of("PREFECT_API_AUTH_STRING", "admin:s3cret", "PREFECT_API_KEY", "pnu_key"));
        assertEquals(Optional.of("Basic YWRtaW46czNjcmV0"), auth.header());
        assertEquals("the auth string in PREFECT_API_AUTH_STRING", auth.describe());
        assertEquals(
                Optional.of("Basic YWRtaW46czNjcmV0"),
                PrefectAuth.fromEnv(Map.of("PREFECT_SERVER_API_AUTH_STRING", "admin:s3cret"))
                        .header());
    }

    @Test
    void anApiKeyIsBearerAndNothingIsNothing() {
        PrefectAuth key = PrefectAuth.fromEnv(Map.of("PREFECT_API_KEY", "pnu_key", "PREFECT_API_AUTH_STRING", ""));
        assertEquals(Optional.of("Bearer pnu_key"), key.header());
        assertEquals("the API key in PREFECT_API_KEY", key.toString());
        assertEquals(Optional.empty(), PrefectAuth.fromEnv(Map.of()).header());
        assertEquals(
                "no credentials (none of PREFECT_API_AUTH_STRING, PREFECT_SERVER_API_AUTH_STRING, "
                        + "PREFECT_API_KEY is set)",
                PrefectAuth.fromEnv(Map.of()).describe());
    }

    @Test
    void theSecretIsNeverShown() {
        PrefectAuth auth = PrefectAuth.fromEnv(Map.of("PREFECT_SERVER_API_AUTH_STRING", "admin:s3cret"));
        assertFalse(auth.toString().contains("s3cret"));
        assertFalse(auth.toString().contains("YWRtaW46czNjcmV0"));
    }
}
