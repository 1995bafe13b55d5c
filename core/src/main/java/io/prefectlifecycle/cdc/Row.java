package io.prefectlifecycle.cdc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.event.PrefectTimestamps;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;

/**
 * A table row as Debezium's JsonConverter writes it, with Debezium's encodings decoded in one place:
 * json/jsonb columns arrive as strings of JSON text, {@code timestamptz} as ISO strings with a variable
 * number of fraction digits, {@code uuid} as strings, and an unchanged TOASTed value as a placeholder.
 * Accessors throw {@link RowFormatException} naming the column (never its value) when a column has the wrong shape.
 */
public final class Row {

    /** What Debezium sends for an unchanged TOASTed column it could not read. */
    public static final String UNAVAILABLE = "__debezium_unavailable_value";

    private static final Instant FAKE_DEFAULT_TIME = Instant.EPOCH;

    private final String table;
    private final ObjectNode columns;
    /** The columns as JSON text, when known: the change record's own bytes, or state's; made once when asked. */
    private byte[] json;

    public Row(String table, ObjectNode columns) {
        this(table, columns, null);
    }

    /** @param json the columns as JSON text, as read (the state is stored as it, without writing them again) */
    public Row(String table, ObjectNode columns, byte[] json) {
        this.table = table;
        this.columns = columns;
        this.json = json;
    }

    public String table() {
        return table;
    }

    /** The raw columns, for storing the row as state. */
    public ObjectNode columns() {
        return columns;
    }

    /** The columns as JSON text (UTF-8), for storing the row as state; the same bytes every time. */
    public byte[] jsonBytes() {
        if (json == null) {
            try {
                json = Json.MAPPER.writeValueAsBytes(columns);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a JSON tree that cannot be written", e);
            }
        }
        return json;
    }

    /**
     * Whether the change record carries the column at all. A table of an older Prefect release lacks columns later
     * migrations added (flow {@code labels}, automation {@code tags}, ...): that is not SQL NULL, which Debezium sends
     * as a {@code null} value.
     */
    public boolean has(String column) {
        return columns.has(column);
    }

    /**
     * Whether {@code column} comes before {@code other} in the table. Debezium lists a row's columns in the table's
     * column order, which a migration that re-creates a column changes: the position tells such releases apart.
     */
    public boolean precedes(String column, String other) {
        int index = 0;
        int columnAt = -1;
        int otherAt = -1;
        for (Iterator<String> names = columns.fieldNames(); names.hasNext(); index++) {
            String name = names.next();
            if (name.equals(column)) {
                columnAt = index;
            } else if (name.equals(other)) {
                otherAt = index;
            }
        }
        if (columnAt < 0 || otherAt < 0) {
            throw new RowFormatException(
                    table + "." + (columnAt < 0 ? column : other) + " is missing from the change record");
        }
        return columnAt < otherAt;
    }

    public boolean isNull(String column) {
        JsonNode node = columns.get(column);
        return node == null || node.isNull();
    }

    public boolean isUnavailable(String column) {
        JsonNode node = columns.get(column);
        return node != null && node.isTextual() && UNAVAILABLE.equals(node.textValue());
    }

    /** A varchar or uuid column; {@code null} for SQL NULL. */
    public String string(String column) {
        JsonNode node = present(column);
        if (node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw wrongShape(column, "a string");
        }
        return node.textValue();
    }

    /** A NOT NULL varchar or uuid column. */
    public String requiredString(String column) {
        String value = string(column);
        if (value == null) {
            throw new RowFormatException(table + "." + column + " is null");
        }
        return value;
    }

    public boolean bool(String column) {
        JsonNode node = present(column);
        if (!node.isBoolean()) {
            throw wrongShape(column, "a boolean");
        }
        return node.booleanValue();
    }

    /** An integer column, kept as the JSON number node so it prints exactly. */
    public JsonNode integer(String column) {
        JsonNode node = present(column);
        if (!node.isIntegralNumber()) {
            throw wrongShape(column, "an integer");
        }
        return node;
    }

    /** A {@code double precision} column (Debezium FLOAT64). */
    public double float64(String column) {
        JsonNode node = present(column);
        if (!node.isNumber()) {
            throw wrongShape(column, "a number");
        }
        return node.doubleValue();
    }

    /** A json/jsonb column parsed with key order kept; {@link NullNode} for SQL NULL. */
    public JsonNode json(String column) {
        JsonNode node = present(column);
        if (node.isNull()) {
            return NullNode.getInstance();
        }
        if (!node.isTextual()) {
            throw wrongShape(column, "JSON text");
        }
        try {
            return Json.parse(node.textValue());
        } catch (JsonProcessingException e) {
            throw new RowFormatException(table + "." + column + " is not valid JSON");
        }
    }

    /** A {@code timestamptz} column; {@code null} for SQL NULL. */
    public Instant timestamp(String column) {
        String text = string(column);
        if (text == null) {
            return null;
        }
        try {
            return PrefectTimestamps.parseDebezium(text);
        } catch (IllegalArgumentException e) {
            throw new RowFormatException(table + "." + column + " is not an ISO timestamp");
        }
    }

    /**
     * Whether this looks like a whole row rather than a default-replica-identity delete before-image,
     * in which only the primary key is real and {@code created} is null or the epoch.
     */
    public boolean isComplete() {
        if (isNull("created")) {
            return false;
        }
        Instant created = timestamp("created");
        return !FAKE_DEFAULT_TIME.equals(created);
    }

    /** This row with every TOAST placeholder replaced by the column's value in {@code previous}. */
    public Row withUnavailableFrom(Row previous) {
        ObjectNode merged = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = columns.properties().iterator(); it.hasNext(); ) {
            String column = it.next().getKey();
            if (isUnavailable(column)) {
                JsonNode earlier = previous == null ? null : previous.columns.get(column);
                if (earlier == null || (earlier.isTextual() && UNAVAILABLE.equals(earlier.textValue()))) {
                    throw new RowFormatException(table + "." + column
                            + " was not sent (unchanged TOASTed value) and no earlier state of the row is known");
                }
                if (merged == null) {
                    merged = columns.deepCopy();
                }
                merged.set(column, earlier);
            }
        }
        return merged == null ? this : new Row(table, merged);
    }

    /** Whether any of the columns differs from {@code other}. */
    public boolean differsIn(Row other, String... columnNames) {
        for (String column : columnNames) {
            JsonNode mine = columns.get(column);
            JsonNode theirs = other.columns.get(column);
            if (mine == null ? theirs != null : !mine.equals(theirs)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Row other && table.equals(other.table) && columns.equals(other.columns);
    }

    @Override
    public int hashCode() {
        return table.hashCode() * 31 + columns.hashCode();
    }

    /** Names the table only: rows hold values that may be secret. */
    @Override
    public String toString() {
        return "Row[" + table + "]";
    }

    private JsonNode present(String column) {
        JsonNode node = columns.get(column);
        if (node == null) {
            throw new RowFormatException(table + "." + column + " is missing from the change record");
        }
        if (node.isTextual() && UNAVAILABLE.equals(node.textValue())) {
            throw new RowFormatException(table + "." + column + " was not sent (unchanged TOASTed value)");
        }
        return node;
    }

    private RowFormatException wrongShape(String column, String expected) {
        return new RowFormatException(table + "." + column + " is not " + expected);
    }
}
