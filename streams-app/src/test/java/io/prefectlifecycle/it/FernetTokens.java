package io.prefectlifecycle.it;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Writes Fernet tokens as Prefect's {@code encrypt_fernet} does (cryptography's Fernet): base64url of
 * {@code 0x80 | be64 seconds | IV | AES-128-CBC(PKCS7) | HMAC-SHA256(all before)}, key bytes 0-15 signing,
 * 16-31 encryption. The time and IV are parameters so captured tokens are reproducible.
 */
final class FernetTokens {
    private FernetTokens() {
    }

    static String encrypt(String urlsafeKey, String plaintext, long unixSeconds, byte[] iv) {
        byte[] key = Base64.getUrlDecoder().decode(urlsafeKey);
        if (key.length != 32 || iv.length != 16) {
            throw new IllegalArgumentException("Fernet needs a 32-byte key and a 16-byte IV");
        }
        try {
            Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(Arrays.copyOfRange(key, 16, 32), "AES"), new IvParameterSpec(iv));
            byte[] ciphertext = aes.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            ByteBuffer token = ByteBuffer.allocate(1 + 8 + 16 + ciphertext.length + 32);
            token.put((byte) 0x80).putLong(unixSeconds).put(iv).put(ciphertext);
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(Arrays.copyOfRange(key, 0, 16), "HmacSHA256"));
            hmac.update(token.array(), 0, token.position());
            token.put(hmac.doFinal());
            return Base64.getUrlEncoder().encodeToString(token.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK without AES/CBC or HmacSHA256", e);
        }
    }

    /** A reproducible IV: 16 bytes derived from {@code seed}. */
    static byte[] iv(int seed) {
        byte[] iv = new byte[16];
        for (int i = 0; i < iv.length; i++) {
            iv[i] = (byte) (seed * 31 + i * 7);
        }
        return iv;
    }
}
