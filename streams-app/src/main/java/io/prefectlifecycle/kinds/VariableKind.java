package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;

import java.util.List;

/** {@code variable} → {@code prefect.variable.*}; payload {@code {name, value, tags}}. */
public final class VariableKind implements ObjectKind {

    @Override
    public String table() {
        return "variable";
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row row = change.row();
        String name = row.requiredString("name");
        ObjectNode payload = Payloads.object();
        payload.put("name", name);
        payload.set("value", row.json("value"));
        payload.set("tags", row.json("tags"));
        return Payloads.emit("variable", row.requiredString("id"), name, List.of(), payload);
    }
}
