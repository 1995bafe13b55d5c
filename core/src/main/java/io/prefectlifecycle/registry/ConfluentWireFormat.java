package io.prefectlifecycle.registry;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Confluent's framing of a registry-encoded record: magic byte {@code 0}, the schema id as a 4-byte big-endian int,
 * then the encoded data (for Avro: the binary encoding with the writer schema of that id). Apicurio's serdes with
 * {@code apicurio.registry.as-confluent=true}, Karapace and Redpanda write the same.
 */
public final class ConfluentWireFormat {

    public static final byte MAGIC = 0;
    public static final int HEADER_LENGTH = 5;

    private ConfluentWireFormat() {}

    /** Whether {@code bytes} start with the magic byte and are long enough to hold a schema id. */
    public static boolean isFramed(byte[] bytes) {
        return bytes != null && bytes.length >= HEADER_LENGTH && bytes[0] == MAGIC;
    }

    /** Whether the first byte is the magic byte: such bytes are never JSON, whatever their length. */
    public static boolean startsWithMagic(byte[] bytes) {
        return bytes != null && bytes.length > 0 && bytes[0] == MAGIC;
    }

    /** @throws IllegalArgumentException when the bytes are not framed */
    public static int schemaId(byte[] framed) {
        if (!isFramed(framed)) {
            throw new IllegalArgumentException("not in the Confluent wire format (magic byte 0, 4-byte schema id)");
        }
        return ByteBuffer.wrap(framed, 1, 4).getInt();
    }

    /** The encoded data after the header. */
    public static byte[] body(byte[] framed) {
        schemaId(framed);
        return Arrays.copyOfRange(framed, HEADER_LENGTH, framed.length);
    }

    public static byte[] frame(int schemaId, byte[] body) {
        return ByteBuffer.allocate(HEADER_LENGTH + body.length)
                .put(MAGIC)
                .putInt(schemaId)
                .put(body)
                .array();
    }
}
