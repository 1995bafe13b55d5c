package io.prefectlifecycle.kinds;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;

/**
 * Fernet as Prefect uses it for {@code block_document.data} (spec §5.2): decryption for the pipeline, encryption for
 * what writes block documents as Prefect's server does ({@code local --demo}, tests).
 *
 * <p>Token: {@code base64url(0x80 | 8-byte time | 16-byte IV | AES-128-CBC PKCS7 ciphertext | 32-byte
 * HMAC-SHA256 of everything before it)}. The version byte and the HMAC are checked before anything is
 * decrypted. No TTL: Prefect passes none, so the time is ignored. Thread-safe.
 */
public final class Fernet {

    private static final byte VERSION = (byte) 0x80;
    private static final int IV_OFFSET = 9;
    private static final int CIPHERTEXT_OFFSET = 25;
    private static final int HMAC_LENGTH = 32;
    private static final int BLOCK = 16;
    private static final int MIN_LENGTH = CIPHERTEXT_OFFSET + BLOCK + HMAC_LENGTH;
    private static final SecureRandom RANDOM = new SecureRandom();

    // instances are not thread-safe and getInstance is a provider lookup: one per thread, re-keyed per call
    private static final ThreadLocal<Mac> HMAC =
            ThreadLocal.withInitial(() -> instance(() -> Mac.getInstance("HmacSHA256")));
    private static final ThreadLocal<Cipher> AES =
            ThreadLocal.withInitial(() -> instance(() -> Cipher.getInstance("AES/CBC/PKCS5Padding")));

    private Fernet() {}

    /**
     * Why a token was rejected. The message names the failed check only: never the key, the token or
     * the plaintext.
     */
    public static final class InvalidTokenException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidTokenException(String reason) {
            super("invalid Fernet token: " + reason);
        }
    }

    public static byte[] decrypt(String token, FernetKey key) throws InvalidTokenException {
        byte[] data;
        try {
            data = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("not URL-safe base64"); // the JDK message quotes a token character
        }
        if (data.length == 0) {
            throw new InvalidTokenException("empty");
        }
        if (data[0] != VERSION) {
            throw new InvalidTokenException("bad version byte (expected 0x80)");
        }
        if (data.length < MIN_LENGTH) {
            throw new InvalidTokenException("too short (" + data.length + " bytes, at least " + MIN_LENGTH + ")");
        }
        int signed = data.length - HMAC_LENGTH;
        if (!MessageDigest.isEqual(hmac(key, data, signed), Arrays.copyOfRange(data, signed, data.length))) {
            throw new InvalidTokenException("HMAC mismatch (wrong key or tampered token)");
        }
        if ((signed - CIPHERTEXT_OFFSET) % BLOCK != 0) {
            throw new InvalidTokenException("ciphertext is not a whole number of AES blocks");
        }
        return aesDecrypt(key, data, signed);
    }

    /** A token as {@code Fernet(key).encrypt(plaintext)} makes it: now, a random IV. */
    public static String encrypt(byte[] plaintext, FernetKey key) {
        byte[] iv = new byte[BLOCK];
        RANDOM.nextBytes(iv);
        return encrypt(plaintext, key, System.currentTimeMillis() / 1000, iv);
    }

    /** A token with a given time and IV (16 bytes), so that tests can write reproducible ones. */
    public static String encrypt(byte[] plaintext, FernetKey key, long unixSeconds, byte[] iv) {
        if (iv.length != BLOCK) {
            throw new IllegalArgumentException("a Fernet IV is 16 bytes");
        }
        Cipher cipher = AES.get();
        byte[] ciphertext;
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key.encryptionKey(), new IvParameterSpec(iv));
            ciphertext = cipher.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-128-CBC rejected a 16-byte key", e);
        }
        ByteBuffer token = ByteBuffer.allocate(CIPHERTEXT_OFFSET + ciphertext.length + HMAC_LENGTH);
        token.put(VERSION).putLong(unixSeconds).put(iv).put(ciphertext);
        token.put(hmac(key, token.array(), token.position()));
        return Base64.getUrlEncoder().encodeToString(token.array());
    }

    private static byte[] hmac(FernetKey key, byte[] data, int length) {
        Mac mac = HMAC.get();
        try {
            mac.init(key.signingKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 rejected a 16-byte key", e);
        }
        mac.update(data, 0, length);
        return mac.doFinal();
    }

    private static byte[] aesDecrypt(FernetKey key, byte[] data, int end) throws InvalidTokenException {
        Cipher cipher = AES.get();
        try {
            cipher.init(Cipher.DECRYPT_MODE, key.encryptionKey(), new IvParameterSpec(data, IV_OFFSET, BLOCK));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-128-CBC rejected a 16-byte key", e);
        }
        try {
            return cipher.doFinal(data, CIPHERTEXT_OFFSET, end - CIPHERTEXT_OFFSET);
        } catch (BadPaddingException e) {
            throw new InvalidTokenException("bad padding");
        } catch (GeneralSecurityException e) {
            throw new InvalidTokenException("cannot decrypt the ciphertext");
        }
    }

    private interface Factory<T> {
        T create() throws GeneralSecurityException;
    }

    private static <T> T instance(Factory<T> factory) {
        try {
            return factory.create();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform must provide HmacSHA256 and AES/CBC/PKCS5Padding", e);
        }
    }
}
