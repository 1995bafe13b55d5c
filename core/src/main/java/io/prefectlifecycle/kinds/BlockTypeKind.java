package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;

import java.util.List;
import java.util.Optional;

import static io.prefectlifecycle.cdc.IgnoredCategory.SILENT;

/**
 * {@code block_type} → {@code prefect.block-type.*}; payload {@code {name, slug, logo_url, documentation_url,
 * description, code_example, is_protected}}. Descriptions are stored HTML-escaped and are emitted as stored.
 *
 * <p>Silent for an update that leaves {@code updated} alone: the protected system blocks are registered on every
 * server start with {@code INSERT … ON CONFLICT (slug) DO UPDATE SET <every field>}, and SQLAlchemy's {@code onupdate}
 * does not apply to ON CONFLICT, so only such an override keeps {@code updated}; Prefect announces the override only
 * when the row is new ({@code models/block_types.py} {@code create_block_type}). Every other block-type update
 * ({@code update_block_type}: the API's PATCH, registration of collection blocks) sets {@code updated = now()} and
 * Prefect emits {@code updated} for it.
 */
public final class BlockTypeKind implements ObjectKind {

    static final String TABLE = "block_type";

    /** The override rule is about updates only. */
    @Override
    public boolean dependsOnAction() {
        return true;
    }

    @Override
    public String table() {
        return TABLE;
    }

    @Override
    public Optional<String> eventKind() {
        return Optional.of("block-type");
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row row = change.row();
        if (change.action() == Action.UPDATED
                && change.previous() != null
                && !row.differsIn(change.previous(), "updated")) {
            return new KindResult.Silent(SILENT, "block type override upsert (updated unchanged): registration");
        }
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
