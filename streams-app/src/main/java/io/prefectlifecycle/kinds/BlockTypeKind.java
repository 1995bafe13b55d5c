package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;

import java.util.List;

/**
 * {@code block_type} → {@code prefect.block-type.*}; payload {@code {name, slug, logo_url, documentation_url,
 * description, code_example, is_protected}}. Descriptions are stored HTML-escaped and are emitted as stored.
 */
public final class BlockTypeKind implements ObjectKind {

    @Override
    public String table() {
        return "block_type";
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row row = change.row();
        String name = row.requiredString("name");
        ObjectNode payload = Payloads.object();
        payload.put("name", name);
        payload.put("slug", row.requiredString("slug"));
        payload.put("logo_url", row.string("logo_url"));
        payload.put("documentation_url", row.string("documentation_url"));
        payload.put("description", row.string("description"));
        payload.put("code_example", row.string("code_example"));
        payload.put("is_protected", row.bool("is_protected"));
        return Payloads.emit("block-type", row.requiredString("id"), name, List.of(), payload);
    }
}
