package io.prefectlifecycle.cdc;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of a Debezium record's value that decoding looks at, read in one pass with Jackson's streaming parser:
 * only the row images become trees, the rest ({@code source}, {@code transaction}, BEGIN/END fields) is read as it
 * streams by. The same facts as a tree would give (last duplicate wins, integral numbers only, text only), so that
 * {@link ChangeDecoder} decides exactly as it would on the tree. JsonConverter's schema wrapper
 * ({@code {"schema":…,"payload":…}}, nothing else) is unwrapped: its payload is read the same way.
 */
final class Envelope {

    /** Reads one row image where it stands in the record (the mapper's trailing-token check is for whole values). */
    private static final ObjectReader ROW =
            Json.MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** How a field was present: absent, JSON null, or a value of a kind. */
    enum Kind {
        ABSENT,
        NULL,
        TEXT,
        NUMBER,
        OBJECT,
        OTHER
    }

    int fields;
    boolean hasTsMs;

    Kind op = Kind.ABSENT;
    String opText;

    Kind before = Kind.ABSENT;
    ObjectNode beforeRow;
    byte[] beforeJson;
    Kind after = Kind.ABSENT;
    ObjectNode afterRow;
    byte[] afterJson;

    Kind source = Kind.ABSENT;
    String sourceName;
    String sourceSchema;
    String sourceTable;
    Long tsUs;
    Long tsMs;
    Long lsn;
    Long txId;
    String snapshot;

    Kind transaction = Kind.ABSENT;
    String transactionId;
    Long totalOrder;
    Long dataCollectionOrder;

    Kind status = Kind.ABSENT;
    String statusText;
    Kind id = Kind.ABSENT;
    String idText;
    Long eventCount;
    final Map<String, Long> countsByTable = new LinkedHashMap<>();

    /** Set when this was the schema wrapper: what its payload held. */
    private Kind payload = Kind.ABSENT;

    private Envelope payloadEnvelope;
    private boolean schema;

    /**
     * Reads the object at the parser's current {@code START_OBJECT}, up to its {@code END_OBJECT}.
     *
     * @return the envelope, or for the schema wrapper the envelope of its payload ({@code null} when the payload is
     *         JSON null; {@link #NOT_AN_OBJECT} when it is not an object)
     */
    static Envelope read(JsonParser p, byte[] input) throws IOException {
        Envelope e = new Envelope(input);
        e.readFields(p, true);
        if (e.fields == 2 && e.schema && e.payload != Kind.ABSENT) {
            return switch (e.payload) {
                case NULL -> null;
                case OBJECT -> e.payloadEnvelope;
                default -> NOT_AN_OBJECT;
            };
        }
        return e;
    }

    /** A schema wrapper whose payload is not an object. */
    static final Envelope NOT_AN_OBJECT = new Envelope(null);

    /** The bytes being read: a row image's text is kept as a slice of them. */
    private final byte[] input;

    private Envelope(byte[] input) {
        this.input = input;
    }

    /** Whether it has BEGIN/END's fields and no {@code op}. */
    boolean isTransactionMarker() {
        return status != Kind.ABSENT && id != Kind.ABSENT && op == Kind.ABSENT;
    }

    private void readFields(JsonParser p, boolean top) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            fields++;
            switch (name) {
                case "op" -> {
                    op = kind(value);
                    opText = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    skip(p, value);
                }
                case "before" -> {
                    before = kind(value);
                    beforeRow = null;
                    beforeJson = null;
                    if (value == JsonToken.START_OBJECT) {
                        long from = p.currentTokenLocation().getByteOffset();
                        beforeRow = (ObjectNode) ROW.readTree(p);
                        beforeJson = slice(from, p.currentLocation().getByteOffset());
                    } else {
                        skip(p, value);
                    }
                }
                case "after" -> {
                    after = kind(value);
                    afterRow = null;
                    afterJson = null;
                    if (value == JsonToken.START_OBJECT) {
                        long from = p.currentTokenLocation().getByteOffset();
                        afterRow = (ObjectNode) ROW.readTree(p);
                        afterJson = slice(from, p.currentLocation().getByteOffset());
                    } else {
                        skip(p, value);
                    }
                }
                case "source" -> {
                    source = kind(value);
                    if (value == JsonToken.START_OBJECT) {
                        readSource(p);
                    } else {
                        skip(p, value);
                    }
                }
                case "transaction" -> {
                    transaction = kind(value);
                    if (value == JsonToken.START_OBJECT) {
                        readTransaction(p);
                    } else {
                        skip(p, value);
                    }
                }
                case "status" -> {
                    status = kind(value);
                    statusText = text(p, value);
                }
                case "id" -> {
                    id = kind(value);
                    idText = text(p, value);
                }
                case "event_count" -> eventCount = number(p, value);
                case "data_collections" -> readDataCollections(p, value);
                case "ts_ms" -> {
                    hasTsMs = true;
                    skip(p, value);
                }
                case "schema" -> {
                    schema = top;
                    skip(p, value);
                }
                case "payload" -> {
                    if (top) {
                        payload = kind(value);
                        if (value == JsonToken.START_OBJECT) {
                            payloadEnvelope = new Envelope(input);
                            payloadEnvelope.readFields(p, false);
                            break;
                        }
                    }
                    skip(p, value);
                }
                default -> skip(p, value);
            }
        }
    }

    private void readSource(JsonParser p) throws IOException {
        // a field given twice: the last one counts, as in a tree
        sourceName = null;
        sourceSchema = null;
        sourceTable = null;
        tsUs = null;
        tsMs = null;
        lsn = null;
        txId = null;
        snapshot = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "name" -> sourceName = text(p, value);
                case "schema" -> sourceSchema = text(p, value);
                case "table" -> sourceTable = text(p, value);
                case "ts_us" -> tsUs = number(p, value);
                case "ts_ms" -> tsMs = number(p, value);
                case "lsn" -> lsn = number(p, value);
                case "txId" -> txId = number(p, value);
                case "snapshot" -> snapshot = asText(p, value);
                default -> skip(p, value);
            }
        }
    }

    private void readTransaction(JsonParser p) throws IOException {
        transactionId = null;
        totalOrder = null;
        dataCollectionOrder = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "id" -> transactionId = text(p, value);
                case "total_order" -> totalOrder = number(p, value);
                case "data_collection_order" -> dataCollectionOrder = number(p, value);
                default -> skip(p, value);
            }
        }
    }

    /** END's per-table counts: {@code [{"data_collection": "<schema>.<table>", "event_count": n}, …]}. */
    private void readDataCollections(JsonParser p, JsonToken value) throws IOException {
        countsByTable.clear();
        if (value != JsonToken.START_ARRAY) {
            skip(p, value);
            return;
        }
        for (JsonToken element = p.nextToken(); element != JsonToken.END_ARRAY; element = p.nextToken()) {
            if (element != JsonToken.START_OBJECT) {
                skip(p, element);
                continue;
            }
            String table = null;
            Long count = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken field = p.nextToken();
                switch (name) {
                    case "data_collection" -> table = text(p, field);
                    case "event_count" -> count = number(p, field);
                    default -> skip(p, field);
                }
            }
            if (table != null && count != null) {
                countsByTable.put(table, count);
            }
        }
    }

    private static Kind kind(JsonToken token) {
        return switch (token) {
            case VALUE_NULL -> Kind.NULL;
            case VALUE_STRING -> Kind.TEXT;
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> Kind.NUMBER;
            case START_OBJECT -> Kind.OBJECT;
            default -> Kind.OTHER;
        };
    }

    /** Text only, as {@code JsonNode.isTextual()}; anything else is skipped and gives {@code null}. */
    private static String text(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        skip(p, value);
        return null;
    }

    /** An integral number that fits a long, as {@code canConvertToLong() && isIntegralNumber()}; else {@code null}. */
    private static Long number(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NUMBER_INT) {
            try {
                return p.getLongValue();
            } catch (InputCoercionException tooLarge) {
                return null;
            }
        }
        skip(p, value);
        return null;
    }

    /** {@code JsonNode.asText()}: scalars as text, containers as "", null as {@code null} (absent). */
    private static String asText(JsonParser p, JsonToken value) throws IOException {
        return switch (value) {
            case VALUE_NULL -> null;
            case START_OBJECT, START_ARRAY -> {
                p.skipChildren();
                yield "";
            }
            default -> p.getText();
        };
    }

    private static void skip(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
            p.skipChildren();
        }
    }

    /** The input's bytes from {@code from} to {@code to}, when the parser gave both offsets (it does for bytes). */
    private byte[] slice(long from, long to) {
        return input == null || from < 0 || to <= from || to > input.length
                ? null
                : Arrays.copyOfRange(input, (int) from, (int) to);
    }
}
