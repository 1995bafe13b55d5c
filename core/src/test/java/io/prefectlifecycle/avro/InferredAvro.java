package io.prefectlifecycle.avro;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A JSON record as Avro under a schema inferred from it: objects as records of optional fields, integers as long,
 * fractions as double. A stand-in for an Avro converter's output in tests that have JSON records but no Connect
 * schema: decoding it must give what decoding the JSON gives.
 */
final class InferredAvro {

    private InferredAvro() {}

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    record Encoded(Schema schema, byte[] binary) {}

    /** Empty when the JSON has something the inference does not cover (a mixed list, a big integer, a bad name). */
    static Optional<Encoded> encode(JsonNode json, String name) {
        Optional<Schema> schema = infer(json, name);
        if (schema.isEmpty()) {
            return Optional.empty();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<>(schema.get()).write(datum(json, schema.get()), encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.of(new Encoded(schema.get(), out.toByteArray()));
    }

    private static Optional<Schema> infer(JsonNode json, String name) {
        switch (json.getNodeType()) {
            case OBJECT -> {
                List<Schema.Field> fields = new ArrayList<>();
                for (Map.Entry<String, JsonNode> field : json.properties()) {
                    if (!NAME.matcher(field.getKey()).matches()) {
                        return Optional.empty();
                    }
                    Optional<Schema> type = infer(field.getValue(), name + "_" + field.getKey());
                    if (type.isEmpty()) {
                        return Optional.empty();
                    }
                    Schema optional = type.get().getType() == Schema.Type.NULL
                            ? type.get()
                            : Schema.createUnion(Schema.create(Schema.Type.NULL), type.get());
                    fields.add(new Schema.Field(field.getKey(), optional, null, Schema.Field.NULL_DEFAULT_VALUE));
                }
                return Optional.of(Schema.createRecord(name, null, "inferred", false, fields));
            }
            case ARRAY -> {
                Schema items = null;
                for (JsonNode item : json) {
                    Optional<Schema> type = infer(item, name + "_item");
                    if (type.isEmpty() || (items != null && !items.equals(type.get()))) {
                        return Optional.empty();
                    }
                    items = items == null ? type.get() : items;
                }
                return Optional.of(Schema.createArray(items == null ? Schema.create(Schema.Type.STRING) : items));
            }
            case STRING -> {
                return Optional.of(Schema.create(Schema.Type.STRING));
            }
            case BOOLEAN -> {
                return Optional.of(Schema.create(Schema.Type.BOOLEAN));
            }
            case NUMBER -> {
                if (json.isIntegralNumber()) {
                    return json.canConvertToLong() ? Optional.of(Schema.create(Schema.Type.LONG)) : Optional.empty();
                }
                return Optional.of(Schema.create(Schema.Type.DOUBLE));
            }
            case NULL -> {
                return Optional.of(Schema.create(Schema.Type.NULL));
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    private static Object datum(JsonNode json, Schema schema) {
        return switch (schema.getType()) {
            case UNION -> json.isNull() ? null : datum(json, schema.getTypes().get(1));
            case RECORD -> {
                GenericRecord record = new GenericData.Record(schema);
                for (Schema.Field field : schema.getFields()) {
                    record.put(field.pos(), datum(json.get(field.name()), field.schema()));
                }
                yield record;
            }
            case ARRAY -> {
                List<Object> items = new ArrayList<>();
                json.forEach(item -> items.add(datum(item, schema.getElementType())));
                yield items;
            }
            case STRING -> json.textValue();
            case BOOLEAN -> json.booleanValue();
            case LONG -> json.longValue();
            case DOUBLE -> json.doubleValue();
            case NULL -> null;
            default -> throw new IllegalArgumentException(schema.getType().toString());
        };
    }
}
