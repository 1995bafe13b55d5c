package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static io.prefectlifecycle.cdc.DeadLetterCategory.MISSING_STATE;

/**
 * The payload of a deployment, work-pool or work-queue {@code updated} event (Prefect's {@code models/events.py}):
 * {@code {"updated_fields": [f…], "updates": {f: {"from": old, "to": new}, …}}} over the fields of Prefect's list
 * whose values differ ({@link PythonValues}), in the list's order.
 */
final class UpdatedFields {

    /**
     * One event field: its payload key and its Python value in a row, as JSON. A {@code null} value (not JSON null)
     * means the row's table has no such column (an older Prefect release) and the field cannot be compared.
     */
    record Field(String name, Function<Row, JsonNode> value) {}

    private UpdatedFields() {}

    /** A scalar column (text, uuid, integer, boolean) as Debezium sends it; absent (an older release) is NULL. */
    static Field column(String name) {
        return new Field(name, row -> row.columns().has(name) ? row.columns().get(name) : NullNode.getInstance());
    }

    /** A JSON(B) column, parsed in its stored order; absent (an older release) is NULL. */
    static Field json(String name) {
        return new Field(name, row -> row.columns().has(name) ? row.json(name) : NullNode.getInstance());
    }

    /** A column that an older release lacks and that then has {@code whenAbsent} (its server default). */
    static Field column(String name, JsonNode whenAbsent) {
        return new Field(name, row -> row.columns().has(name) ? row.columns().get(name) : whenAbsent);
    }

    /** A column not compared when either row lacks it (no value before its migration to compare with). */
    static Field columnIfPresent(String name) {
        return new Field(name, row -> row.columns().has(name) ? row.columns().get(name) : null);
    }

    /**
     * The row before the transaction, which an {@code updated} event compares with.
     *
     * @throws KindException when it is unknown (the row was never seen: capture its table from a snapshot)
     */
    static Row earlierState(RowChange change) {
        if (change.previous() == null) {
            Row row = change.row();
            throw new KindException(
                    MISSING_STATE,
                    row.table() + " update of a row never seen: its state before the "
                            + "change is unknown (capture the table from a snapshot)");
        }
        return change.previous();
    }

    /** The payload for the fields that differ between {@code before} and {@code after}, or {@code null} if none. */
    static ObjectNode changes(List<Field> fields, Row before, Row after) {
        ArrayNode names = Payloads.NODES.arrayNode();
        ObjectNode updates = Payloads.object();
        for (Field field : fields) {
            JsonNode from = field.value().apply(before);
            JsonNode to = field.value().apply(after);
            if (from != null && to != null && !PythonValues.equal(from, to)) {
                names.add(field.name());
                ObjectNode change = updates.putObject(field.name());
                change.set("from", from);
                change.set("to", to);
            }
        }
        if (names.isEmpty()) {
            return null;
        }
        ObjectNode payload = Payloads.object();
        payload.set("updated_fields", names);
        payload.set("updates", updates);
        return payload;
    }

    /** Whether any of the fields differs. */
    static boolean anyChanged(List<Field> fields, Row before, Row after) {
        return changes(fields, before, after) != null;
    }

    /** The changed fields' names, in the list's order. */
    static List<String> names(ObjectNode changes) {
        List<String> names = new ArrayList<>();
        if (changes != null) {
            changes.get("updated_fields").forEach(name -> names.add(name.textValue()));
        }
        return names;
    }
}
