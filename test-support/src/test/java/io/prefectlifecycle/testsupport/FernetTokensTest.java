package io.prefectlifecycle.testsupport;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FernetTokensTest {

    @Test
    void reproducesTheSpecTestVector() {
        byte[] iv = new byte[16];
        for (int i = 0; i < iv.length; i++) {
            iv[i] = (byte) i;
        }
        String token = FernetTokens.encrypt(
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                "{\"username\": \"alice\", \"password\": \"hunter2\", \"port\": 5432, \"options\": {\"timeout\": \"30\"}, "
                        + "\"api_key\": {\"token\": \"abc\"}}",
                1780664514L,
                iv);

        assertEquals(PrefectScenario.SPEC_E5_TOKEN, token);
    }
}
