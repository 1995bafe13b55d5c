package io.prefectlifecycle.cdc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Debezium records written by an Avro converter (Confluent wire format) turned into the JSON the JsonConverter writes
 * with {@code schemas.enable=false} for the same Connect data, so that the rest of decoding is the JSON path: records
 * become objects in field order, Debezium's string types ({@code io.debezium.data.Json}, {@code ZonedTimestamp},
 * {@code Uuid}) stay strings, Connect's logical types stay the numbers they are encoded as (as the JsonConverter
 * writes them), bytes become base64 text, optional unions their value or {@code null}.
 */
final class AvroRecords {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final WriterSchemas schemas;
    private final Map<Integer, GenericDatumReader<Object>> readers = new ConcurrentHashMap<>();

    AvroRecords(WriterSchemas schemas) {
        this.schemas = schemas;
    }

    /** A failure that is a fact about the record: it goes to the dead letters with this message. */
    static final class NotReadable extends Exception {
        NotReadable(String message) {
            super(message);
        }
    }

    /**
     * The record's JSON bytes, as the JsonConverter would have written them.
     *
     * @throws NotReadable when the bytes are not a record of their writer schema, or the schema id is unknown
     */
    byte[] toJson(byte[] framed) throws NotReadable {
        if (!ConfluentWireFormat.isFramed(framed)) {
            throw new NotReadable("starts with the Avro magic byte 0 but is shorter than the 5-byte header");
        }
        int id = ConfluentWireFormat.schemaId(framed);
        GenericDatumReader<Object> reader;
        try {
            reader = readers.computeIfAbsent(id, i -> new GenericDatumReader<>(schemas.byId(i)));
        } catch (WriterSchemas.UnknownWriterSchemaException e) {
            throw new NotReadable(e.getMessage());
        }
        Object datum;
        try {
            BinaryDecoder decoder = DecoderFactory.get()
                    .binaryDecoder(
                            framed,
                            ConfluentWireFormat.HEADER_LENGTH,
                            framed.length - ConfluentWireFormat.HEADER_LENGTH,
                            null);
            datum = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new NotReadable("schema id " + id + ": bytes left over after the record");
            }
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new NotReadable("not a record of its writer schema (id " + id + "): "
                    + e.getClass().getSimpleName());
        }
        try {
            return Json.MAPPER.writeValueAsBytes(toNode(datum, reader.getSchema()));
        } catch (JsonProcessingException e) {
            throw new NotReadable("schema id " + id + ": cannot be written as JSON");
        }
    }

    private static JsonNode toNode(Object value, Schema schema) {
        if (value == null) {
            return NODES.nullNode();
        }
        return switch (schema.getType()) {
            case RECORD -> {
                GenericRecord record = (GenericRecord) value;
                ObjectNode object = NODES.objectNode();
                for (Schema.Field field : schema.getFields()) {
                    object.set(field.name(), toNode(record.get(field.pos()), field.schema()));
                }
                yield object;
            }
            case UNION -> toNode(value, schema.getTypes().get(GenericData.get().resolveUnion(schema, value)));
            case ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (Object item : (Collection<?>) value) {
                    array.add(toNode(item, schema.getElementType()));
                }
                yield array;
            }
            case MAP -> {
                ObjectNode object = NODES.objectNode();
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    object.set(entry.getKey().toString(), toNode(entry.getValue(), schema.getValueType()));
                }
                yield object;
            }
            case STRING, ENUM -> NODES.textNode(value.toString());
            case INT -> NODES.numberNode((Integer) value);
            case LONG -> NODES.numberNode((Long) value);
            case FLOAT -> NODES.numberNode((Float) value);
            case DOUBLE -> NODES.numberNode((Double) value);
            case BOOLEAN -> NODES.booleanNode((Boolean) value);
            case BYTES -> NODES.binaryNode(bytes((ByteBuffer) value));
            case FIXED -> NODES.binaryNode(((GenericFixed) value).bytes());
            case NULL -> NODES.nullNode();
        };
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
