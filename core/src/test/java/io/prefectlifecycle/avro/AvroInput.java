package io.prefectlifecycle.avro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.stream.FixtureRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Debezium's JSON records as an Avro converter would write them, for tests without a Connect worker: each JSON object
 * as Avro under a schema inferred from it ({@link InferredAvro}), registered under {@code <topic>-key} /
 * {@code <topic>-value}, in the Confluent wire format; anything else (tombstones, malformed bytes) as it is.
 */
public final class AvroInput {

    private AvroInput() {}

    /** The JSON object record as Avro; anything else as it is. */
    public static byte[] asAvro(SchemaRegistryClient registry, String subject, byte[] json) {
        if (json == null) {
            return null;
        }
        JsonNode node;
        try {
            node = Json.parse(new String(json, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return json;
        }
        if (!node.isObject()) {
            return json;
        }
        return InferredAvro.encode(node, "r")
                .map(e -> ConfluentWireFormat.frame(
                        registry.register(subject, e.schema().toString()), e.binary()))
                .orElse(json);
    }

    /** A {@code transform} input line with its key and value as Avro, in {@code key_base64} and {@code value_base64}. */
    public static String asAvroLine(SchemaRegistryClient registry, String line) {
        FixtureRecord record = FixtureRecord.parse(line);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("topic", record.topic());
        out.put("partition", record.partition());
        if (record.offset() >= 0) {
            out.put("offset", record.offset());
        }
        byte[] key = asAvro(registry, record.topic() + "-key", record.key());
        byte[] value = asAvro(registry, record.topic() + "-value", record.value());
        if (key == null) {
            out.putNull("key");
        } else {
            out.put("key_base64", Base64.getEncoder().encodeToString(key));
        }
        if (value == null) {
            out.putNull("value");
        } else {
            out.put("value_base64", Base64.getEncoder().encodeToString(value));
        }
        return out.toString();
    }
}
