package io.prefectlifecycle.cdc;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.registry.ConfluentWireFormat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decodes a record written by Debezium's PostgreSQL connector through the JsonConverter, with or without
 * the schema wrapper ({@code {"schema":…,"payload":…}}), or through an Avro converter in the Confluent wire format
 * (magic byte 0, schema id, Avro binary; the writer schema comes from {@link WriterSchemas}), into a {@link Decoded}
 * outcome. The format is told per record by its first byte; an Avro record is first turned into the JSON the
 * JsonConverter writes ({@link AvroRecords}), so both formats decode alike. Reasons name fields and positions, never
 * values.
 */
public final class ChangeDecoder {

    private final AvroRecords avro;

    /** JSON records; an Avro record becomes a {@link Decoded.Malformed} saying that no registry is configured. */
    public ChangeDecoder() {
        this(WriterSchemas.NONE);
    }

    public ChangeDecoder(WriterSchemas writerSchemas) {
        this.avro = new AvroRecords(writerSchemas);
    }

    /**
     * @throws io.prefectlifecycle.registry.SchemaRegistryUnavailableException when an Avro record's writer schema is
     *         not cached and the registry does not answer: the record must be offered again later
     */
    public Decoded decode(String topic, byte[] key, byte[] value) {
        if (value == null) {
            return new Decoded.Tombstone();
        }
        if (ConfluentWireFormat.startsWithMagic(value)) {
            try {
                value = avro.toJson(value);
            } catch (AvroRecords.NotReadable e) {
                return new Decoded.Malformed("Avro value: " + e.getMessage());
            }
        }
        if (ConfluentWireFormat.startsWithMagic(key)) {
            try {
                key = avro.toJson(key);
            } catch (AvroRecords.NotReadable e) {
                key = null; // the row's id stands in, as for an unreadable JSON key
            }
        }
        JsonNode root;
        try {
            root = unwrap(Json.MAPPER.readTree(value));
        } catch (JsonProcessingException e) {
            return new Decoded.Malformed("value is not valid JSON" + at(e.getLocation()));
        } catch (IOException e) {
            return new Decoded.Malformed("value could not be read: " + e.getClass().getSimpleName());
        }
        if (root == null || root.isNull()) {
            return new Decoded.Tombstone();
        }
        if (!root.isObject()) {
            return new Decoded.Malformed("value is not a JSON object");
        }
        if (root.has("status") && root.has("id") && !root.has("op")) {
            return transactionMarker(root);
        }
        JsonNode opNode = root.get("op");
        if (opNode == null || opNode.isNull()) {
            return isHeartbeat(topic, root)
                    ? new Decoded.Ignored("heartbeat")
                    : new Decoded.Malformed("no op field: not a Debezium change event");
        }
        if (!opNode.isTextual()) {
            return new Decoded.Malformed("op is not a string");
        }
        Optional<Op> op = Op.fromCode(opNode.textValue());
        if (op.isEmpty()) {
            return new Decoded.Malformed("unknown op '" + printable(opNode.textValue()) + "'");
        }
        return switch (op.get()) {
            case MESSAGE -> new Decoded.Ignored("logical decoding message");
            case TRUNCATE -> new Decoded.Ignored("truncate");
            case CREATE, UPDATE, DELETE, READ -> change(op.get(), key, (ObjectNode) root);
        };
    }

    private Decoded change(Op op, byte[] key, ObjectNode value) {
        JsonNode sourceNode = value.get("source");
        if (sourceNode == null || !sourceNode.isObject()) {
            return new Decoded.Malformed("no source block");
        }
        String table = text(sourceNode, "table");
        if (table == null) {
            return new Decoded.Malformed("no source.table");
        }
        Long commitMicros = commitMicros(sourceNode);
        if (commitMicros == null) {
            return new Decoded.Malformed("no source.ts_us or source.ts_ms");
        }
        SourceInfo source = new SourceInfo(
                text(sourceNode, "name"), text(sourceNode, "schema"), table, commitMicros,
                number(sourceNode, "lsn"), number(sourceNode, "txId"), snapshotMarker(sourceNode));

        JsonNode before = value.get("before");
        JsonNode after = value.get("after");
        if (!isObjectOrNull(before) || !isObjectOrNull(after)) {
            return new Decoded.Malformed("before/after is not an object");
        }
        boolean needsAfter = op != Op.DELETE;
        if (needsAfter && (after == null || after.isNull())) {
            return new Decoded.Malformed("op '" + op.code() + "' without an after image");
        }
        Row beforeRow = before == null || before.isNull() ? null : new Row(table, (ObjectNode) before);
        Row afterRow = after == null || after.isNull() ? null : new Row(table, (ObjectNode) after);

        String primaryKey = primaryKey(key, op == Op.DELETE ? beforeRow : afterRow);
        if (primaryKey == null) {
            return new Decoded.Malformed("no primary key in the record key or row");
        }
        TransactionRef transaction = transaction(value.get("transaction"));
        return new Decoded.Change(new ChangeRecord(op, primaryKey, beforeRow, afterRow, source, transaction));
    }

    /** The key's column values ({@code id} for every Prefect table), falling back to the row's {@code id}. */
    private static String primaryKey(byte[] key, Row row) {
        if (key != null) {
            try {
                JsonNode keyNode = unwrap(Json.MAPPER.readTree(key));
                if (keyNode != null && keyNode.isObject() && keyNode.size() > 0) {
                    List<String> parts = new ArrayList<>();
                    for (Iterator<JsonNode> it = keyNode.elements(); it.hasNext(); ) {
                        JsonNode part = it.next();
                        if (part.isNull() || part.isContainerNode()) {
                            return null;
                        }
                        parts.add(part.asText());
                    }
                    return String.join(",", parts);
                }
            } catch (IOException e) {
                // fall through to the row's id: the key is a convenience, the row is authoritative
            }
        }
        if (row != null) {
            JsonNode id = row.columns().get("id");
            if (id != null && (id.isTextual() || id.isIntegralNumber())) {
                return id.asText();
            }
        }
        return null;
    }

    private static Decoded transactionMarker(JsonNode root) {
        String status = text(root, "status");
        String id = text(root, "id");
        if (status == null || id == null || !(status.equals("BEGIN") || status.equals("END"))) {
            return new Decoded.Malformed("transaction record without a BEGIN/END status and id");
        }
        Long count = number(root, "event_count");
        Map<String, Long> countsByTable = new LinkedHashMap<>();
        for (JsonNode collection : root.path("data_collections")) {
            String table = text(collection, "data_collection");
            Long tableCount = number(collection, "event_count");
            if (table != null && tableCount != null) {
                countsByTable.put(table, tableCount);
            }
        }
        return new Decoded.TransactionMarker(status, id, count == null ? 0 : count, countsByTable);
    }

    private static TransactionRef transaction(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        String id = text(node, "id");
        Long total = number(node, "total_order");
        Long perTable = number(node, "data_collection_order");
        return id == null || total == null ? null : new TransactionRef(id, total, perTable == null ? 0 : perTable);
    }

    /** Strips JsonConverter's schema wrapper when present. */
    private static JsonNode unwrap(JsonNode node) {
        if (node != null && node.isObject() && node.size() == 2 && node.has("schema") && node.has("payload")) {
            return node.get("payload");
        }
        return node;
    }

    private static boolean isHeartbeat(String topic, JsonNode root) {
        return (topic != null && topic.startsWith("__debezium-heartbeat")) || (root.size() == 1 && root.has("ts_ms"));
    }

    private static Long commitMicros(JsonNode source) {
        Long micros = number(source, "ts_us");
        if (micros != null) {
            return micros;
        }
        Long millis = number(source, "ts_ms");
        return millis == null ? null : millis * 1000;
    }

    private static String snapshotMarker(JsonNode source) {
        JsonNode node = source.get("snapshot");
        if (node == null || node.isNull()) {
            return "false";
        }
        return node.asText();
    }

    private static boolean isObjectOrNull(JsonNode node) {
        return node == null || node.isNull() || node.isObject();
    }

    private static String text(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        return node != null && node.isTextual() ? node.textValue() : null;
    }

    private static Long number(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        return node != null && node.canConvertToLong() && node.isIntegralNumber() ? node.longValue() : null;
    }

    private static String at(JsonLocation location) {
        return location == null ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String printable(String s) {
        String cut = s.length() > 16 ? s.substring(0, 16) + "…" : s;
        return cut.replaceAll("[^\\p{Alnum}_-]", "?");
    }
}
