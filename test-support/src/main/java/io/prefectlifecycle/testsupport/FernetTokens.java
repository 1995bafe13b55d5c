package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.kinds.Fernet;
import io.prefectlifecycle.kinds.FernetKey;

import java.nio.charset.StandardCharsets;

/**
 * Tokens as Prefect's {@code encrypt_fernet} writes them, with the time and IV as parameters so that captured tokens
 * are reproducible ({@link Fernet#encrypt(byte[], FernetKey, long, byte[])}).
 */
public final class FernetTokens {
    private FernetTokens() {}

    public static String encrypt(String urlsafeKey, String plaintext, long unixSeconds, byte[] iv) {
        return Fernet.encrypt(plaintext.getBytes(StandardCharsets.UTF_8), FernetKey.parse(urlsafeKey), unixSeconds, iv);
    }

    /** A reproducible IV: 16 bytes derived from {@code seed}. */
    public static byte[] iv(int seed) {
        byte[] iv = new byte[16];
        for (int i = 0; i < iv.length; i++) {
            iv[i] = (byte) (seed * 31 + i * 7);
        }
        return iv;
    }
}
