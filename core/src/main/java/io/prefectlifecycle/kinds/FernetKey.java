package io.prefectlifecycle.kinds;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.spec.SecretKeySpec;

/**
 * A Fernet key (spec §5.2): 32 bytes, URL-safe base64 with padding (44 characters). Bytes 0-15 sign
 * (HMAC-SHA256), bytes 16-31 encrypt (AES-128). Never printed.
 */
public final class FernetKey {

    private static final int LENGTH = 32;

    private final SecretKeySpec signingKey;
    private final SecretKeySpec encryptionKey;

    private FernetKey(byte[] raw) {
        this.signingKey = new SecretKeySpec(raw, 0, 16, "HmacSHA256");
        this.encryptionKey = new SecretKeySpec(raw, 16, 16, "AES");
    }

    /**
     * Accepts what Prefect's {@code Fernet(key)} accepts in practice: URL-safe base64, also in the
     * standard alphabet ({@code urlsafe_b64decode} takes both), surrounding whitespace ignored.
     *
     * @throws IllegalArgumentException if it is not 32 bytes of base64; the message never holds the key
     */
    public static FernetKey parse(String base64Key) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder()
                    .decode(base64Key.strip().replace('+', '-').replace('/', '_'));
        } catch (IllegalArgumentException e) {
            raw = null; // the decoder's message quotes the offending character
        }
        if (raw == null || raw.length != LENGTH) {
            throw new IllegalArgumentException("encryption key is not 32 bytes of URL-safe base64");
        }
        FernetKey key = new FernetKey(raw);
        Arrays.fill(raw, (byte) 0);
        return key;
    }

    /**
     * A new key as Prefect's {@code Fernet.generate_key()} makes it: 32 random bytes, URL-safe base64 with padding.
     * The text is what is stored in the {@code configuration} row and what {@link #parse} takes.
     */
    public static String generate() {
        byte[] raw = new byte[LENGTH];
        new SecureRandom().nextBytes(raw);
        String text = Base64.getUrlEncoder().encodeToString(raw);
        Arrays.fill(raw, (byte) 0);
        return text;
    }

    SecretKeySpec signingKey() {
        return signingKey;
    }

    SecretKeySpec encryptionKey() {
        return encryptionKey;
    }

    @Override
    public String toString() {
        return "FernetKey[redacted]";
    }
}
