package io.prefectlifecycle.avro;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.event.EventEncodingException;
import io.prefectlifecycle.event.Label;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.event.PrefectJsonWriter;
import io.prefectlifecycle.event.PrefectTimestamps;
import io.prefectlifecycle.event.RelatedResource;
import io.prefectlifecycle.event.Resource;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@link LifecycleEvent} ⇄ the Avro record of {@link EventSchemas#ENVELOPE}, both ways exact: an event written as Avro
 * and read back gives the same JSON bytes ({@link LifecycleEvent#toJson()}). Maps keep their entry order on the wire
 * and are read back in it. docs/adr/0003-avro-events.md
 */
public final class AvroEvents {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AvroEvents() {}

    /**
     * The event as an envelope record. The payload branch is the record whose {@code prefect.kind} is the event's
     * kind and whose fields are the payload's, in order.
     *
     * @throws EventEncodingException when no payload record matches, or a field has another shape than its schema
     */
    public static GenericRecord toRecord(LifecycleEvent event) {
        Schema envelope = EventSchemas.ENVELOPE;
        GenericRecord record = new GenericData.Record(envelope);
        record.put("occurred", micros(event.occurred()));
        record.put("event", event.event());
        record.put("resource", labelMap(event.resource().labels()));
        List<Map<String, String>> related = new ArrayList<>(event.related().size());
        for (RelatedResource r : event.related()) {
            related.add(labelMap(r.labels()));
        }
        record.put("related", related);
        Schema payload = payloadRecord(event);
        record.put("payload", toAvro(event.payload(), payload, false, event.event() + " payload"));
        record.put("id", event.id().toString());
        record.put("follows", null);
        return record;
    }

    /**
     * The event an envelope record holds.
     *
     * @throws IllegalArgumentException when the record is not a lifecycle event (no resource id, a related resource
     *         without id or role, JSON text that is not JSON)
     */
    public static LifecycleEvent fromRecord(GenericRecord record) {
        Map<String, String> resource = strings((Map<?, ?>) record.get("resource"));
        require(resource, Label.ID, "resource");
        List<RelatedResource> related = new ArrayList<>();
        for (Object item : (List<?>) record.get("related")) {
            Map<String, String> labels = strings((Map<?, ?>) item);
            require(labels, Label.ID, "related resource");
            require(labels, Label.ROLE, "related resource");
            related.add(new RelatedResource(labels(labels)));
        }
        Schema payloadUnion = record.getSchema().getField("payload").schema();
        Object payload = record.get("payload");
        JsonNode payloadJson = toJson(payload, payloadUnion, false);
        return new LifecycleEvent(
                PrefectTimestamps.fromEpochMicros((Long) record.get("occurred")),
                record.get("event").toString(),
                new Resource(labels(resource)),
                related,
                payloadJson,
                UUID.fromString(record.get("id").toString()));
    }

    /** Avro's binary encoding of an envelope record (no framing). */
    public static byte[] toBinary(GenericRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        } catch (AvroRuntimeException | ClassCastException | NullPointerException e) {
            throw new EventEncodingException(record.get("event") + " does not fit the Avro schema: "
                    + e.getClass().getSimpleName());
        }
        return out.toByteArray();
    }

    /**
     * Reads binary data written with {@code writer} as a record of {@code reader} (Avro schema resolution), maps in
     * their wire order.
     *
     * @throws IOException or {@link AvroRuntimeException} when the bytes are not such a record
     */
    public static GenericRecord fromBinary(byte[] data, int offset, Schema writer, Schema reader) throws IOException {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, offset, data.length - offset, null);
        GenericRecord record = new OrderedMapReader(writer, reader).read(null, decoder);
        if (!decoder.isEnd()) {
            throw new IOException("bytes left over after the record");
        }
        return record;
    }

    private static Schema payloadRecord(LifecycleEvent event) {
        String name = event.event();
        String kind = name.startsWith("prefect.") && name.lastIndexOf('.') > 8
                ? name.substring("prefect.".length(), name.lastIndexOf('.'))
                : name;
        List<String> fields = new ArrayList<>();
        event.payload().fieldNames().forEachRemaining(fields::add);
        List<List<String>> candidates = new ArrayList<>();
        for (Schema payload : EventSchemas.payloads()) {
            if (kind.equals(payload.getProp(EventSchemas.KIND))) {
                if (fieldsOf(payload, fields).equals(fields)) {
                    return payload;
                }
                candidates.add(
                        payload.getFields().stream().map(Schema.Field::name).toList());
            }
        }
        throw new EventEncodingException(name + ": no payload record in schemas/avro/ for kind '" + kind
                + "' with the fields " + fields + (candidates.isEmpty() ? "" : " (there are " + candidates + ")"));
    }

    /** The record's fields a JSON object with {@code present} fields must have, in order: optional ones may be left out. */
    private static List<String> fieldsOf(Schema record, List<String> present) {
        return record.getFields().stream()
                .filter(f -> !EventSchemas.isOptional(f) || present.contains(f.name()))
                .map(Schema.Field::name)
                .toList();
    }

    private static Object toAvro(JsonNode node, Schema schema, boolean jsonText, String path) {
        switch (schema.getType()) {
            case UNION -> {
                List<Schema> nonNull = schema.getTypes().stream()
                        .filter(t -> t.getType() != Schema.Type.NULL)
                        .toList();
                if (nonNull.size() != 1) {
                    throw new EventEncodingException(path + ": unions other than [null, T] are not supported");
                }
                return node.isNull() ? null : toAvro(node, nonNull.get(0), jsonText, path);
            }
            case RECORD -> {
                if (!node.isObject()) {
                    throw shape(path, "an object");
                }
                List<String> names = new ArrayList<>();
                node.fieldNames().forEachRemaining(names::add);
                List<String> expected = fieldsOf(schema, names);
                if (!names.equals(expected)) {
                    throw new EventEncodingException(path + " has the fields " + names + ", the Avro record "
                            + schema.getName() + " " + expected);
                }
                GenericRecord record = new GenericData.Record(schema);
                for (Schema.Field field : schema.getFields()) {
                    JsonNode value = node.get(field.name());
                    record.put(
                            field.pos(),
                            value == null
                                    ? null
                                    : toAvro(
                                            value,
                                            field.schema(),
                                            EventSchemas.isJsonText(field),
                                            path + "." + field.name()));
                }
                return record;
            }
            case MAP -> {
                if (!node.isObject()) {
                    throw shape(path, "an object");
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> entry : node.properties()) {
                    map.put(entry.getKey(), toAvro(entry.getValue(), schema.getValueType(), jsonText, path + "[]"));
                }
                return map;
            }
            case ARRAY -> {
                if (!node.isArray()) {
                    throw shape(path, "a list");
                }
                List<Object> list = new ArrayList<>(node.size());
                for (JsonNode item : node) {
                    list.add(toAvro(item, schema.getElementType(), false, path + "[]"));
                }
                return list;
            }
            case STRING -> {
                if (jsonText) {
                    return PrefectJsonWriter.toJson(node);
                }
                if (!node.isTextual()) {
                    throw shape(path, "a string");
                }
                return node.textValue();
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    throw shape(path, "a boolean");
                }
                return node.booleanValue();
            }
            case LONG -> {
                if (isTimestampMicros(schema)) {
                    return timestampMicros(node, path);
                }
                if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                    throw shape(path, "an integer within 64 bits");
                }
                return node.longValue();
            }
            case DOUBLE -> {
                // an integer would come back as a float: 1 → 1.0, not the same JSON
                if (!node.isFloatingPointNumber()) {
                    throw shape(path, "a float");
                }
                return node.doubleValue();
            }
            default -> throw new EventEncodingException(path + ": Avro type " + schema.getType() + " is not supported");
        }
    }

    private static JsonNode toJson(Object value, Schema schema, boolean jsonText) {
        switch (schema.getType()) {
            case UNION -> {
                if (value == null) {
                    return NODES.nullNode();
                }
                return toJson(value, schema.getTypes().get(GenericData.get().resolveUnion(schema, value)), jsonText);
            }
            case RECORD -> {
                GenericRecord record = (GenericRecord) value;
                ObjectNode object = NODES.objectNode();
                for (Schema.Field field : schema.getFields()) {
                    Object fieldValue = record.get(field.pos());
                    if (fieldValue != null || !EventSchemas.isOptional(field)) {
                        object.set(field.name(), toJson(fieldValue, field.schema(), EventSchemas.isJsonText(field)));
                    }
                }
                return object;
            }
            case MAP -> {
                ObjectNode object = NODES.objectNode();
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    object.set(entry.getKey().toString(), toJson(entry.getValue(), schema.getValueType(), jsonText));
                }
                return object;
            }
            case ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (Object item : (List<?>) value) {
                    array.add(toJson(item, schema.getElementType(), false));
                }
                return array;
            }
            case STRING -> {
                return jsonText ? parseJsonText(value.toString()) : NODES.textNode(value.toString());
            }
            case BOOLEAN -> {
                return NODES.booleanNode((Boolean) value);
            }
            case LONG -> {
                long number = (Long) value;
                return isTimestampMicros(schema)
                        ? NODES.textNode(PrefectTimestamps.format(PrefectTimestamps.fromEpochMicros(number)))
                        : NODES.numberNode(number);
            }
            case INT -> {
                return NODES.numberNode((Integer) value);
            }
            case DOUBLE -> {
                return NODES.numberNode((Double) value);
            }
            case NULL -> {
                return NODES.nullNode();
            }
            default -> throw new IllegalArgumentException("Avro type " + schema.getType() + " in an event schema");
        }
    }

    private static JsonNode parseJsonText(String text) {
        try {
            return Json.parse(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a JSON text field holds no valid JSON");
        }
    }

    private static boolean isTimestampMicros(Schema schema) {
        LogicalType type = schema.getLogicalType();
        return type instanceof LogicalTypes.TimestampMicros;
    }

    /** Prefect's timestamp text, which must come back the same from the micros. */
    private static long timestampMicros(JsonNode node, String path) {
        if (!node.isTextual()) {
            throw shape(path, "a timestamp");
        }
        Instant instant;
        try {
            instant = Instant.parse(node.textValue());
        } catch (DateTimeException e) {
            throw shape(path, "an ISO-8601 UTC timestamp");
        }
        long micros = micros(instant);
        if (!PrefectTimestamps.format(PrefectTimestamps.fromEpochMicros(micros)).equals(node.textValue())) {
            throw shape(path, "a timestamp in Prefect's form (microseconds, Z)");
        }
        return micros;
    }

    private static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
    }

    private static EventEncodingException shape(String path, String expected) {
        return new EventEncodingException(path + " is not " + expected);
    }

    private static Map<String, String> strings(Map<?, ?> map) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<?, ?> entry = it.next();
            out.put(
                    entry.getKey().toString(),
                    entry.getValue() == null ? null : entry.getValue().toString());
        }
        return out;
    }

    /** Labels as an Avro map: its entries are written in the labels' order, which is read back ({@link OrderedMapReader}). */
    private static Map<String, String> labelMap(List<Label> labels) {
        Map<String, String> map = new LinkedHashMap<>();
        labels.forEach(label -> map.put(label.key(), label.value()));
        return map;
    }

    /** A label map read back, in wire order, id first. */
    private static List<Label> labels(Map<String, String> map) {
        List<Label> labels = new ArrayList<>(map.size());
        labels.add(new Label(Label.ID, map.get(Label.ID)));
        map.forEach((key, value) -> {
            if (!key.equals(Label.ID)) {
                labels.add(new Label(key, value));
            }
        });
        return labels;
    }

    private static String require(Map<String, String> labels, String label, String what) {
        String value = labels.get(label);
        if (value == null) {
            throw new IllegalArgumentException(what + " without " + label);
        }
        return value;
    }

    /**
     * Reads maps into {@link LinkedHashMap}s: the wire order is the JSON's key order. Avro's fast reader builds
     * {@code HashMap}s itself, so it is off here.
     */
    static final class OrderedMapReader extends GenericDatumReader<GenericRecord> {
        OrderedMapReader(Schema writer, Schema reader) {
            super(writer, reader, slowData());
        }

        private static GenericData slowData() {
            GenericData data = new GenericData();
            data.setFastReaderEnabled(false);
            return data;
        }

        @Override
        protected Object newMap(Object old, int size) {
            if (old instanceof LinkedHashMap<?, ?> map) {
                map.clear();
                return map;
            }
            return new LinkedHashMap<>(Math.max(16, size * 2));
        }
    }
}
