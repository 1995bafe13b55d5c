package io.prefectlifecycle.stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.cdc.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One Kafka record as a line of JSON, the format of {@code transform}'s input and of the golden files:
 * {@code {"topic":…,"key":<json>,"value":<json or null>}}, optionally with {@code partition} and {@code offset}.
 * Bytes that are not JSON (to reproduce corrupt records) go in {@code value_raw} (a string, written as UTF-8) or
 * {@code value_base64} instead of {@code value}; {@code key_base64} likewise for the key (an Avro converter's records,
 * for instance).
 */
public record FixtureRecord(String topic, int partition, long offset, byte[] key, byte[] value) {

    /** @throws IllegalArgumentException when the line is not such a record */
    public static FixtureRecord parse(String line) {
        JsonNode record;
        try {
            record = Json.parse(line);
        } catch (IOException e) {
            throw new IllegalArgumentException("input line is not a JSON record");
        }
        if (!record.isObject() || !record.path("topic").isTextual()) {
            throw new IllegalArgumentException("input line has no topic");
        }
        return new FixtureRecord(
                record.get("topic").textValue(),
                record.path("partition").asInt(0),
                record.path("offset").asLong(-1),
                key(record),
                value(record));
    }

    private static byte[] key(JsonNode record) {
        if (record.path("key_base64").isTextual()) {
            return base64(record.get("key_base64").textValue(), "key_base64");
        }
        return bytes(record.get("key"));
    }

    private static byte[] base64(String text, String field) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("input line has a " + field + " that is not base64");
        }
    }

    private static byte[] value(JsonNode record) {
        if (record.path("value_raw").isTextual()) {
            return record.get("value_raw").textValue().getBytes(StandardCharsets.UTF_8);
        }
        if (record.path("value_base64").isTextual()) {
            return base64(record.get("value_base64").textValue(), "value_base64");
        }
        return bytes(record.get("value"));
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return node == null || node.isNull() ? null : Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalArgumentException("input line has an unwritable value");
        }
    }
}
