package io.prefectlifecycle.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;

import java.io.IOException;
import java.io.UncheckedIOException;

/** A Kafka record as read from a CDC topic, with its coordinates for dead letters. */
public record InputRecord(String topic, int partition, long offset, byte[] key, byte[] value) {

    /** For buffering in a state store. */
    public byte[] toBytes() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("topic", topic).put("partition", partition).put("offset", offset);
        node.put("key", key).put("value", value);
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static InputRecord fromBytes(byte[] bytes) {
        try {
            JsonNode node = Json.MAPPER.readTree(bytes);
            return new InputRecord(node.get("topic").textValue(), node.get("partition").intValue(),
                    node.get("offset").longValue(), binary(node.get("key")), binary(node.get("value")));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable buffered record", e);
        }
    }

    private static byte[] binary(JsonNode node) throws IOException {
        return node == null || node.isNull() ? null : node.binaryValue();
    }
}
