package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.event.RelatedResource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.prefectlifecycle.cdc.DeadLetterCategory.ENCRYPTION;
import static io.prefectlifecycle.cdc.DeadLetterCategory.MISSING_STATE;
import static io.prefectlifecycle.cdc.IgnoredCategory.SILENT;

/**
 * {@code block_document} → {@code prefect.block-document.*}; payload {@code {name, data, block_schema}} where
 * {@code data} is the Fernet-decrypted document filtered by {@link SecretFilter} and {@code block_schema} is
 * {@code {capabilities, block_type: {id, name}}}. The type name comes from the document's own denormalised
 * {@code block_type_name} ({@code ""} in the payload and no name label when NULL); before Prefect 2.14.3 there is no
 * such column and the name is the block type's, as that release's back-fill sets it. Anonymous documents are silent.
 *
 * <p>Every write of Prefect's API to a document sets {@code updated = now()}, an update with data re-encrypting it (a
 * new Fernet token for equal data, {@code models/block_documents.py} {@code update_block_document}). An update that
 * leaves {@code updated} alone is migration cef24af2ec34's back-fill of {@code block_type_name} (2.14.3), which runs in
 * autocommit batches outside the migration's transaction: silent, as Prefect emits nothing for it.
 */
public final class BlockDocumentKind implements ObjectKind {

    static final String TABLE = "block_document";
    /** The block schema of a document: its capabilities and secret fields. */
    static final String BLOCK_SCHEMA_TABLE = "block_schema";

    @Override
    public String table() {
        return TABLE;
    }

    @Override
    public List<String> lookupTables() {
        return List.of(BLOCK_SCHEMA_TABLE, Lookups.ENCRYPTION_KEY_TABLE, BlockTypeKind.TABLE);
    }

    @Override
    public Optional<String> eventKind() {
        return Optional.of("block-document");
    }

    /** The back-fill rule is about updates only. */
    @Override
    public boolean dependsOnAction() {
        return true;
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row row = change.row();
        if (row.bool("is_anonymous")) {
            return new KindResult.Silent(SILENT, "anonymous block document");
        }
        if (change.action() == Action.UPDATED
                && change.previous() != null
                && !row.differsIn(change.previous(), "updated")) {
            return new KindResult.Silent(SILENT, "block_type_name back-fill of Prefect 2.14.3 (updated unchanged)");
        }
        String blockTypeId = row.requiredString("block_type_id");
        String blockSchemaId = row.requiredString("block_schema_id");
        // PostgreSQL deletes a block type's or schema's documents by cascade; Prefect announces the parent only
        if (change.action() == Action.DELETED
                && (change.transaction().deleted(BlockTypeKind.TABLE, blockTypeId)
                        || change.transaction().deleted(BLOCK_SCHEMA_TABLE, blockSchemaId))) {
            return new KindResult.Silent(SILENT, "deleted by cascade with its block type or block schema");
        }
        String blockTypeName =
                row.has("block_type_name") ? row.string("block_type_name") : blockTypeName(blockTypeId, lookups);
        Row schema = lookups.row(BLOCK_SCHEMA_TABLE, blockSchemaId)
                .orElseThrow(() -> new KindException(
                        MISSING_STATE,
                        "block schema " + blockSchemaId
                                + " has not been seen, so the document's secret fields are unknown"));

        ObjectNode blockType = Payloads.object();
        blockType.put("id", blockTypeId);
        blockType.put("name", blockTypeName == null ? "" : blockTypeName);
        ObjectNode blockSchema = Payloads.object();
        blockSchema.set("capabilities", schema.json("capabilities"));
        blockSchema.set("block_type", blockType);

        String name = row.string("name");
        ObjectNode payload = Payloads.object();
        payload.put("name", name);
        payload.set("data", SecretFilter.visibleData(decrypt(row, lookups), secretFields(schema)));
        payload.set("block_schema", blockSchema);

        RelatedResource typeRef = RelatedResource.of("block-type", blockTypeId, "block-type");
        List<RelatedResource> related = new ArrayList<>(2);
        related.add(blockTypeName == null || blockTypeName.isEmpty() ? typeRef : typeRef.named(blockTypeName));
        related.add(RelatedResource.of("block-schema", blockSchemaId, "block-schema"));
        return Payloads.emit("block-document", row.requiredString("id"), name, related, payload);
    }

    /** The data column is a JSONB string holding a Fernet token over Python's {@code json.dumps} of the data. */
    private static ObjectNode decrypt(Row row, Lookups lookups) {
        JsonNode stored = row.json("data");
        if (!stored.isTextual()) {
            throw new KindException(ENCRYPTION, "block_document.data is not an encrypted token");
        }
        FernetKey key = lookups.encryptionKey()
                .orElseThrow(() -> new KindException(
                        ENCRYPTION,
                        "no encryption key: set PREFECT_SERVER_ENCRYPTION_KEY or capture the configuration table"));
        byte[] plaintext;
        try {
            plaintext = Fernet.decrypt(stored.textValue(), key);
        } catch (Fernet.InvalidTokenException e) {
            throw new KindException(ENCRYPTION, "block document data could not be decrypted: " + e.getMessage());
        }
        try {
            JsonNode data = Json.parse(new String(plaintext, StandardCharsets.UTF_8));
            if (!data.isObject()) {
                throw new KindException(ENCRYPTION, "decrypted block document data is not a JSON object");
            }
            return (ObjectNode) data;
        } catch (JsonProcessingException e) {
            throw new KindException(ENCRYPTION, "decrypted block document data is not valid JSON");
        }
    }

    /** Before 2.14.3 (migration cef24af2ec34): the block type's name, which that migration copies into the document. */
    private static String blockTypeName(String blockTypeId, Lookups lookups) {
        Row blockType = lookups.row(BlockTypeKind.TABLE, blockTypeId)
                .orElseThrow(() -> new KindException(
                        MISSING_STATE,
                        "block type " + blockTypeId
                                + " has not been seen, and block_document has no block_type_name (Prefect < 2.14.3)"));
        return blockType.requiredString("name");
    }

    private static List<String> secretFields(Row schema) {
        JsonNode fields = schema.json("fields").path("secret_fields");
        List<String> secretFields = new ArrayList<>();
        for (JsonNode field : fields) {
            if (field.isTextual()) {
                secretFields.add(field.textValue());
            }
        }
        return secretFields;
    }
}
