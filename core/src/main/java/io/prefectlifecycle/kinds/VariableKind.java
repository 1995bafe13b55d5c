package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.prefectlifecycle.cdc.Row;

import java.util.List;
import java.util.Optional;

/**
 * {@code variable} → {@code prefect.variable.*}; payload {@code {name, value, tags}}. Before Prefect 3.0 {@code value}
 * was text, emitted as the JSON string Prefect 3.0's migration makes of it.
 */
public final class VariableKind implements ObjectKind {

    @Override
    public String table() {
        return "variable";
    }

    @Override
    public Optional<String> eventKind() {
        return Optional.of("variable");
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row row = change.row();
        String name = row.requiredString("name");
        ObjectNode payload = Payloads.object();
        payload.put("name", name);
        payload.set("value", value(row));
        payload.set("tags", row.json("tags"));
        return Payloads.emit("variable", row.requiredString("id"), name, List.of(), payload);
    }

    /**
     * Migration 94622c1663e8 (3.0.0) turned the VARCHAR {@code value} into JSONB holding {@code json.dumps(value)}: it
     * added the JSONB column after {@code tags} and dropped the old one, which sat before {@code tags}. Without a
     * schema, Debezium sends both types as strings, so the column's position is what tells them apart.
     */
    private static JsonNode value(Row row) {
        boolean textBefore3 = row.precedes("value", "tags");
        return textBefore3 ? TextNode.valueOf(row.requiredString("value")) : row.json("value");
    }
}
