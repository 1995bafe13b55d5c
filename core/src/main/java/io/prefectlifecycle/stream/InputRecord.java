package io.prefectlifecycle.stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.cdc.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A Kafka record as read from a CDC topic, with its coordinates for dead letters. */
public record InputRecord(String topic, int partition, long offset, byte[] key, byte[] value) {

    /** Where the record was read, without its key and value. */
    public InputRecord withoutBytes() {
        return new InputRecord(topic, partition, offset, null, null);
    }

    /** Format tag of {@link #toBytes}; the earlier JSON form starts with '{'. */
    private static final byte BINARY = 1;

    /**
     * For buffering in a state store: a tag byte, the topic (UTF-8, length-prefixed), partition, offset, then key
     * and value (length-prefixed, -1 for null). Binary, not JSON: it is written and read for every buffered change.
     */
    public byte[] toBytes() {
        byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(1 + 4 + topicBytes.length + 4 + 8 + 4 + length(key) + 4 + length(value));
        out.put(BINARY)
                .putInt(topicBytes.length)
                .put(topicBytes)
                .putInt(partition)
                .putLong(offset);
        putBytes(out, key);
        putBytes(out, value);
        return out.array();
    }

    /** Reads {@link #toBytes}, and the JSON form earlier versions buffered (a changelog may still hold it). */
    public static InputRecord fromBytes(byte[] bytes) {
        if (bytes.length > 0 && bytes[0] == BINARY) {
            try {
                ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
                int topicLength = in.getInt();
                String topic = new String(bytes, in.position(), topicLength, StandardCharsets.UTF_8);
                in.position(in.position() + topicLength);
                int partition = in.getInt();
                long offset = in.getLong();
                return new InputRecord(topic, partition, offset, getBytes(in), getBytes(in));
            } catch (RuntimeException e) {
                throw new UncheckedIOException("unreadable buffered record", new IOException(e.toString()));
            }
        }
        try {
            JsonNode node = Json.MAPPER.readTree(bytes);
            return new InputRecord(
                    node.get("topic").textValue(),
                    node.get("partition").intValue(),
                    node.get("offset").longValue(),
                    binary(node.get("key")),
                    binary(node.get("value")));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable buffered record", e);
        }
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static void putBytes(ByteBuffer out, byte[] bytes) {
        out.putInt(bytes == null ? -1 : bytes.length);
        if (bytes != null) {
            out.put(bytes);
        }
    }

    private static byte[] getBytes(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    private static byte[] binary(JsonNode node) throws IOException {
        return node == null || node.isNull() ? null : node.binaryValue();
    }
}
