package io.prefectlifecycle.cdc;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.registry.ConfluentWireFormat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
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
        Envelope envelope;
        try (JsonParser parser = Json.MAPPER.createParser(value)) {
            JsonToken first = parser.nextToken();
            envelope = first == JsonToken.START_OBJECT ? Envelope.read(parser, value) : null;
            if (first != JsonToken.START_OBJECT && first != null) {
                parser.skipChildren();
            }
            if (first != null && parser.nextToken() != null) {
                return new Decoded.Malformed("value is not valid JSON" + at(parser.currentTokenLocation()));
            }
            if (first == JsonToken.VALUE_NULL || (first == JsonToken.START_OBJECT && envelope == null)) {
                return new Decoded.Tombstone();
            }
            if (envelope == null || envelope == Envelope.NOT_AN_OBJECT) {
                return new Decoded.Malformed("value is not a JSON object");
            }
        } catch (JsonProcessingException e) {
            return new Decoded.Malformed("value is not valid JSON" + at(e.getLocation()));
        } catch (IOException e) {
            return new Decoded.Malformed(
                    "value could not be read: " + e.getClass().getSimpleName());
        }
        if (envelope.isTransactionMarker()) {
            return transactionMarker(envelope);
        }
        if (envelope.op == Envelope.Kind.ABSENT || envelope.op == Envelope.Kind.NULL) {
            return isHeartbeat(topic, envelope)
                    ? new Decoded.Ignored(IgnoredCategory.HEARTBEAT, "heartbeat")
                    : new Decoded.Malformed("no op field: not a Debezium change event");
        }
        if (envelope.op != Envelope.Kind.TEXT) {
            return new Decoded.Malformed("op is not a string");
        }
        Optional<Op> op = Op.fromCode(envelope.opText);
        if (op.isEmpty()) {
            return new Decoded.Malformed("unknown op '" + printable(envelope.opText) + "'");
        }
        return switch (op.get()) {
            case MESSAGE -> new Decoded.Ignored(IgnoredCategory.LOGICAL_MESSAGE, "logical decoding message");
            case TRUNCATE -> new Decoded.Ignored(IgnoredCategory.TRUNCATE, "truncate");
            case CREATE, UPDATE, DELETE, READ -> change(op.get(), key, envelope);
        };
    }

    private Decoded change(Op op, byte[] key, Envelope value) {
        if (value.source != Envelope.Kind.OBJECT) {
            return new Decoded.Malformed("no source block");
        }
        if (value.sourceTable == null) {
            return new Decoded.Malformed("no source.table");
        }
        Long commitMicros = value.tsUs != null ? value.tsUs : value.tsMs == null ? null : value.tsMs * 1000;
        if (commitMicros == null) {
            return new Decoded.Malformed("no source.ts_us or source.ts_ms");
        }
        SourceInfo source = new SourceInfo(
                value.sourceName,
                value.sourceSchema,
                value.sourceTable,
                commitMicros,
                value.lsn,
                value.txId,
                value.snapshot == null ? "false" : value.snapshot);
        if (!isObjectOrNull(value.before) || !isObjectOrNull(value.after)) {
            return new Decoded.Malformed("before/after is not an object");
        }
        if (op != Op.DELETE && value.afterRow == null) {
            return new Decoded.Malformed("op '" + op.code() + "' without an after image");
        }
        Row beforeRow = value.beforeRow == null ? null : new Row(value.sourceTable, value.beforeRow, value.beforeJson);
        Row afterRow = value.afterRow == null ? null : new Row(value.sourceTable, value.afterRow, value.afterJson);

        String primaryKey = primaryKey(key, op == Op.DELETE ? beforeRow : afterRow);
        if (primaryKey == null) {
            return new Decoded.Malformed("no primary key in the record key or row");
        }
        TransactionRef transaction =
                value.transaction == Envelope.Kind.OBJECT && value.transactionId != null && value.totalOrder != null
                        ? new TransactionRef(
                                value.transactionId,
                                value.totalOrder,
                                value.dataCollectionOrder == null ? 0 : value.dataCollectionOrder)
                        : null;
        return new Decoded.Change(new ChangeRecord(op, primaryKey, beforeRow, afterRow, source, transaction));
    }

    /** The key's column values ({@code id} for every Prefect table), falling back to the row's {@code id}. */
    private static String primaryKey(byte[] key, Row row) {
        String plain = plainIdKey(key);
        if (plain != null) {
            return plain;
        }
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

    private static final byte[] ID_KEY = "{\"id\":\"".getBytes(StandardCharsets.US_ASCII);

    /**
     * The id of a key written as JsonConverter writes every Prefect table's, {@code {"id":"<uuid>"}}, read without a
     * parser; {@code null} for any other shape (spaces, escapes, non-ASCII, other columns), which is parsed.
     */
    static String plainIdKey(byte[] key) {
        if (key == null || key.length < ID_KEY.length + 2 || key[key.length - 1] != '}' || key[key.length - 2] != '"') {
            return null;
        }
        for (int i = 0; i < ID_KEY.length; i++) {
            if (key[i] != ID_KEY[i]) {
                return null;
            }
        }
        int end = key.length - 2;
        for (int i = ID_KEY.length; i < end; i++) {
            byte b = key[i];
            if (b == '"' || b == '\\' || b < 0x20) { // b < 0: a UTF-8 sequence, left to the parser
                return null;
            }
        }
        return new String(key, ID_KEY.length, end - ID_KEY.length, StandardCharsets.US_ASCII);
    }

    /** Strips JsonConverter's schema wrapper when present. */
    private static JsonNode unwrap(JsonNode node) {
        if (node != null && node.isObject() && node.size() == 2 && node.has("schema") && node.has("payload")) {
            return node.get("payload");
        }
        return node;
    }

    private static Decoded transactionMarker(Envelope marker) {
        String status = marker.statusText;
        if (status == null || marker.idText == null || !(status.equals("BEGIN") || status.equals("END"))) {
            return new Decoded.Malformed("transaction record without a BEGIN/END status and id");
        }
        return new Decoded.TransactionMarker(
                status,
                marker.idText,
                marker.eventCount == null ? 0 : marker.eventCount,
                new LinkedHashMap<>(marker.countsByTable));
    }

    private static boolean isHeartbeat(String topic, Envelope value) {
        return (topic != null && topic.startsWith("__debezium-heartbeat")) || (value.fields == 1 && value.hasTsMs);
    }

    private static boolean isObjectOrNull(Envelope.Kind kind) {
        return kind == Envelope.Kind.ABSENT || kind == Envelope.Kind.NULL || kind == Envelope.Kind.OBJECT;
    }

    private static String at(JsonLocation location) {
        return location == null ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String printable(String s) {
        String cut = s.length() > 16 ? s.substring(0, 16) + "…" : s;
        return cut.replaceAll("[^\\p{Alnum}_-]", "?");
    }
}
