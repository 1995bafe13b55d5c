package io.prefectlifecycle.event;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Event ids with the layout of Prefect's {@code uuid7()} (spec §1.4), made deterministic.
 *
 * <p>Bits, most significant first: 48-bit Unix milliseconds, version {@code 0111}, 12 bits
 * {@code rand_a}, variant {@code 10}, 62 bits {@code rand_b}. Prefect draws the 74 random bits from
 * {@code os.urandom}; here they are the first 74 bits of SHA-256 over the identity's UTF-8 bytes, so
 * re-processing the same change record gives the same id and the bus de-duplicates it.
 */
public final class EventIds {

    private static final long MAX_MILLIS = (1L << 48) - 1;

    private EventIds() {}

    /** Milliseconds below 0 become 0 and above 2^48 - 1 become 2^48 - 1 (the field is 48 bits). */
    public static UUID uuid7(long unixMillis, String identity) {
        long millis = Math.min(Math.max(unixMillis, 0), MAX_MILLIS);
        ByteBuffer hash = ByteBuffer.wrap(sha256(identity.getBytes(StandardCharsets.UTF_8)));
        long high = hash.getLong();
        long low = hash.getLong();
        long randA = high >>> 52;
        long randB = ((high & ((1L << 52) - 1)) << 10) | (low >>> 54);
        return new UUID(millis << 16 | 0x7000L | randA, 0x8000_0000_0000_0000L | randB);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }
}
