package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;

import java.util.List;
import java.util.Optional;

/**
 * {@code flow} → {@code prefect.flow.*}; payload {@code {name, tags, labels}}. A NULL {@code labels} stays
 * {@code null}; a table without the column (before Prefect 3.1.5, migration 68a44144428d) gives the model's default
 * {@code {}}: two different cases, as in Prefect.
 */
public final class FlowKind implements ObjectKind {

    static final String TABLE = "flow";

    @Override
    public String table() {
        return TABLE;
    }

    @Override
    public Optional<String> eventKind() {
        return Optional.of("flow");
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row row = change.row();
        String name = row.requiredString("name");
        ObjectNode payload = Payloads.object();
        payload.put("name", name);
        payload.set("tags", row.json("tags"));
        payload.set("labels", row.has("labels") ? row.json("labels") : Payloads.object());
        return Payloads.emit("flow", row.requiredString("id"), name, List.of(), payload);
    }
}
