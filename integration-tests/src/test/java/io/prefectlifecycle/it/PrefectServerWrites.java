package io.prefectlifecycle.it;

import io.prefectlifecycle.local.SqlTransaction;
import io.prefectlifecycle.testsupport.FernetTokens;
import io.prefectlifecycle.testsupport.PrefectRelease;
import io.prefectlifecycle.testsupport.PrefectScenario;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The SQL Prefect's server issues for its API calls and services, statement for statement and transaction for
 * transaction, as {@code src/prefect/server/models/*.py} (Prefect main, ce79dd3d6c) compiles for PostgreSQL: ORM
 * inserts carry every column with {@code created}/{@code updated} from two Python clock readings; every other
 * UPDATE sets {@code updated = now()} (SQLAlchemy's {@code onupdate}, the transaction's start) unless it says
 * otherwise; ON CONFLICT updates do not. Against an older {@link PrefectRelease} the statements name only the
 * columns its tables have, and a variable's value is its text.
 */
final class PrefectServerWrites {
    static final String FERNET_KEY = PrefectScenario.FERNET_KEY;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Connection db;
    private final PrefectRelease release;

    PrefectServerWrites(Connection db, PrefectRelease release) {
        this.db = db;
        this.release = release;
    }

    PrefectRelease release() {
        return release;
    }

    /** The server's connection (autocommit on between calls), for writes outside the API: migrations. */
    Connection connection() {
        return db;
    }

    // ------------------------------------------------------------------ variables (models/variables.py)

    /** {@code create_variable}: {@code value} as the API's JSON; before 3.0 variables are strings, stored as text. */
    String createVariable(String name, String valueJson, String tagsJson) throws SQLException {
        String id = newId();
        Instant created = pythonNow();
        sql(
                "INSERT INTO variable (name, value, tags, id, created, updated) VALUES (?, " + valueParam()
                        + ", ?::jsonb, " + "?::uuid, ?::timestamptz, ?::timestamptz)",
                name,
                storedValue(valueJson),
                tagsJson,
                id,
                created,
                pythonNow());
        return id;
    }

    /** {@code update_variable} (PATCH): the fields sent, and updated. */
    void updateVariable(String id, String name, String valueJson) throws SQLException {
        Map<String, Object> set = new LinkedHashMap<>();
        if (name != null) {
            set.put("name", name);
        }
        if (valueJson != null) {
            set.put("value" + (release.jsonVariables() ? "::jsonb" : ""), storedValue(valueJson));
        }
        update("variable", set, id);
    }

    /** {@code delete_variable} and {@code delete_variable_by_name} (both delete by id). */
    void deleteVariable(String id) throws SQLException {
        sql("DELETE FROM variable WHERE variable.id = ?::uuid", id);
    }

    // ------------------------------------------------------------------ flows (models/flows.py)

    /** {@code create_flow}: ON CONFLICT (name) DO NOTHING, so an existing name writes nothing. */
    String createFlow(String name, String tagsJson, String labelsJson) throws SQLException {
        String id = newId();
        Instant created = pythonNow();
        if (release.flowLabels()) {
            sql(
                    "INSERT INTO flow (name, tags, labels, id, created, updated) VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, "
                            + "?::timestamptz, ?::timestamptz) ON CONFLICT (name) DO NOTHING",
                    name,
                    tagsJson,
                    labelsJson,
                    id,
                    created,
                    pythonNow());
        } else {
            sql(
                    "INSERT INTO flow (name, tags, id, created, updated) VALUES (?, ?::jsonb, ?::uuid, ?::timestamptz, "
                            + "?::timestamptz) ON CONFLICT (name) DO NOTHING",
                    name,
                    tagsJson,
                    id,
                    created,
                    pythonNow());
        }
        return id;
    }

    /** {@code update_flow} (PATCH {@code tags}). */
    void updateFlowTags(String id, String tagsJson) throws SQLException {
        update("flow", Map.of("tags::jsonb", tagsJson), id);
    }

    /** {@code delete_flow}. */
    void deleteFlow(String id) throws SQLException {
        sql("DELETE FROM flow WHERE flow.id = ?::uuid", id);
    }

    /** {@code delete_flows} (bulk delete): one statement (after the deployments', not captured). */
    void deleteFlows(String... ids) throws SQLException {
        sql("DELETE FROM flow WHERE flow.id IN (" + "?::uuid, ".repeat(ids.length - 1) + "?::uuid)", (Object[]) ids);
    }

    // ------------------------------------------------------------------ block types (models/block_types.py)

    /** A block type as the API or a block class declares it; description and code example before escaping. */
    record BlockType(
            String name,
            String slug,
            String logoUrl,
            String documentationUrl,
            String description,
            String codeExample,
            boolean isProtected) {}

    /** {@code create_block_type} (POST /block_types/, override=False): a plain insert. */
    String createBlockType(BlockType type) throws SQLException {
        String id = newId();
        Instant created = pythonNow();
        sql(
                "INSERT INTO block_type (name, slug, logo_url, documentation_url, description, code_example, is_protected, "
                        + "id, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                type.name(),
                type.slug(),
                type.logoUrl(),
                type.documentationUrl(),
                htmlEscape(type.description()),
                htmlEscape(type.codeExample()),
                type.isProtected(),
                id,
                created,
                pythonNow());
        return id;
    }

    /**
     * {@code create_block_type(override=True)}, as {@code _install_protected_system_blocks} runs it on every server
     * start: {@code INSERT … ON CONFLICT (slug) DO UPDATE SET <every field>}, without {@code updated}.
     */
    void upsertBlockType(BlockType type) throws SQLException {
        sql(
                "INSERT INTO block_type (name, slug, logo_url, documentation_url, description, code_example, is_protected, "
                        + "id, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?::uuid, ?::timestamptz, ?::timestamptz) "
                        + "ON CONFLICT (slug) DO UPDATE SET name = ?, slug = ?, logo_url = ?, documentation_url = ?, "
                        + "description = ?, code_example = ?, is_protected = ?",
                type.name(),
                type.slug(),
                type.logoUrl(),
                type.documentationUrl(),
                htmlEscape(type.description()),
                htmlEscape(type.codeExample()),
                type.isProtected(),
                newId(),
                pythonNow(),
                pythonNow(),
                type.name(),
                type.slug(),
                type.logoUrl(),
                type.documentationUrl(),
                htmlEscape(type.description()),
                htmlEscape(type.codeExample()),
                type.isProtected());
    }

    /**
     * {@code update_block_type}: the API's PATCH (the fields sent) and {@code register_block_type} of collection and
     * registry blocks (logo, docs, description, code example, unescaped).
     */
    void updateBlockType(String id, Map<String, Object> fields) throws SQLException {
        update("block_type", fields, id);
    }

    /** {@code delete_block_type}: schemas and documents go by FK cascade. */
    void deleteBlockType(String id) throws SQLException {
        sql("DELETE FROM block_type WHERE block_type.id = ?::uuid", id);
    }

    // ------------------------------------------------------------------ block schemas (models/block_schemas.py)

    /**
     * {@code create_block_schema} of a schema not stored yet (an existing checksum writes nothing):
     * {@code block_schema_references} is popped from the fields before the insert.
     */
    String createBlockSchema(String blockTypeId, String fieldsJson, String capabilitiesJson, String version)
            throws SQLException {
        String id = newId();
        Instant created = pythonNow();
        sql(
                "INSERT INTO block_schema (fields, checksum, block_type_id, capabilities, version, id, created, updated) "
                        + "VALUES (?::jsonb, ?, ?::uuid, ?::jsonb, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                fieldsJson,
                "sha256:" + sha256(fieldsJson + version),
                blockTypeId,
                capabilitiesJson,
                version,
                id,
                created,
                pythonNow());
        return id;
    }

    // ------------------------------------------------------------------ configuration (models/configuration.py)

    /** {@code write_configuration}: the ORM inserts a new key, or updates the value of an existing one. */
    void writeConfiguration(String key, String valueJson) throws SQLException {
        if (configurationExists(key)) {
            sql(
                    "UPDATE configuration SET value = ?::jsonb, updated = now() WHERE configuration.id = "
                            + "(SELECT id FROM configuration WHERE key = ?)",
                    valueJson,
                    key);
        } else {
            Instant created = pythonNow();
            sql(
                    "INSERT INTO configuration (key, value, id, created, updated) VALUES (?, ?::jsonb, ?::uuid, "
                            + "?::timestamptz, ?::timestamptz)",
                    key,
                    valueJson,
                    newId(),
                    created,
                    pythonNow());
        }
    }

    // ------------------------------------------------------------------ block documents (models/block_documents.py)

    /**
     * {@code create_block_document}: the first encryption on a server writes the Fernet key into
     * {@code configuration} in the same transaction ({@code utilities/encryption.py}).
     *
     * @param plaintext the data as Python's {@code json.dumps} writes it, which is what gets encrypted
     */
    String createBlockDocument(
            String name,
            String blockTypeId,
            String blockTypeName,
            String blockSchemaId,
            String plaintext,
            boolean anonymous)
            throws SQLException {
        String id = newId();
        inTransaction(() -> {
            String token = encrypt(plaintext);
            Instant created = pythonNow();
            if (release.blockTypeName()) {
                sql(
                        "INSERT INTO block_document (name, data, block_schema_id, block_type_id, is_anonymous, "
                                + "block_type_name, id, created, updated) VALUES (?, ?::jsonb, ?::uuid, ?::uuid, ?, ?, ?::uuid, "
                                + "?::timestamptz, ?::timestamptz)",
                        name,
                        jsonString(token),
                        blockSchemaId,
                        blockTypeId,
                        anonymous,
                        blockTypeName,
                        id,
                        created,
                        pythonNow());
            } else {
                sql(
                        "INSERT INTO block_document (name, data, block_schema_id, block_type_id, is_anonymous, id, created, "
                                + "updated) VALUES (?, ?::jsonb, ?::uuid, ?::uuid, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                        name,
                        jsonString(token),
                        blockSchemaId,
                        blockTypeId,
                        anonymous,
                        id,
                        created,
                        pythonNow());
            }
        });
        return id;
    }

    /**
     * {@code update_block_document} with data: the data is encrypted again (a new token even for equal data) and
     * flushed, then a new schema, if any, is a second UPDATE; one transaction. (A PATCH without data writes nothing.)
     */
    void updateBlockDocument(String id, String plaintext, String newBlockSchemaId) throws SQLException {
        inTransaction(() -> {
            String token = encrypt(plaintext);
            sql(
                    "UPDATE block_document SET data = ?::jsonb, updated = now() WHERE block_document.id = ?::uuid",
                    jsonString(token),
                    id);
            if (newBlockSchemaId != null) {
                sql(
                        "UPDATE block_document SET block_schema_id = ?::uuid, updated = now() "
                                + "WHERE block_document.id = ?::uuid",
                        newBlockSchemaId,
                        id);
            }
        });
    }

    /** {@code delete_block_document}, which also clears a server default result storage pointing at it. */
    void deleteBlockDocument(String id) throws SQLException {
        inTransaction(() -> {
            sql("DELETE FROM block_document WHERE block_document.id = ?::uuid", id);
            sql(
                    "DELETE FROM configuration WHERE configuration.key = 'server-default-result-storage' "
                            + "AND value ->> 'default_result_storage_block_id' = ?",
                    id);
        });
    }

    // ------------------------------------------------------------------ v2 limits (models/concurrency_limits_v2.py)

    /** {@code create_concurrency_limit}: the model's defaults for the slot columns. */
    String createLimitV2(String name, int limit, boolean active, Double slotDecayPerSecond) throws SQLException {
        String id = newId();
        Instant created = pythonNow();
        sql(
                "INSERT INTO concurrency_limit_v2 (active, name, \"limit\", active_slots, denied_slots, slot_decay_per_second, "
                        + "avg_slot_occupancy_seconds, id, created, updated) VALUES (?, ?, ?, 0, 0, ?, 2.0, ?::uuid, "
                        + "?::timestamptz, ?::timestamptz)",
                active,
                name,
                limit,
                slotDecayPerSecond,
                id,
                created,
                pythonNow());
        return id;
    }

    /** {@code update_concurrency_limit} (PATCH /v2/concurrency_limits/{id}): the fields sent, and updated. */
    void updateLimitV2(String id, Map<String, Object> fields) throws SQLException {
        update("concurrency_limit_v2", fields, id);
    }

    /**
     * {@code POST /concurrency_limits/} since 3.4.19 ({@code api/concurrency_limits.py}): a v2 limit named
     * {@code tag:<tag>}, updated with the limit when it exists (even an unchanged one), created otherwise.
     */
    String v1ApiCreateLimit(String tag, int concurrencyLimit) throws SQLException {
        String existing = limitV2Id("tag:" + tag);
        if (existing == null) {
            return createLimitV2("tag:" + tag, concurrencyLimit, true, 0.0);
        }
        updateLimitV2(existing, Map.of("\"limit\"", concurrencyLimit));
        return existing;
    }

    /**
     * {@code bulk_increment_active_slots} ({@code /increment}, {@code /increment-with-lease}): slots decay before
     * the increment; when a limit is full, no row matches and the API rolls the transaction back.
     *
     * @return whether the slots were acquired (and committed)
     */
    boolean acquireSlots(String id, int slots) throws SQLException {
        boolean[] acquired = new boolean[1];
        inTransaction(() -> acquired[0] = sqlCount(
                        "UPDATE concurrency_limit_v2 SET active_slots = "
                                + ACTIVE_AFTER_DECAY + " + ?, denied_slots = " + DENIED_AFTER_DECAY
                                + ", updated = now() "
                                + "WHERE concurrency_limit_v2.id IN (?::uuid) AND concurrency_limit_v2.active = true "
                                + "AND " + ACTIVE_AFTER_DECAY + " + ? <= concurrency_limit_v2.\"limit\"",
                        slots,
                        id,
                        slots)
                == 1);
        return acquired[0];
    }

    /**
     * {@code bulk_decrement_active_slots} ({@code /decrement}, {@code /decrement-with-lease}, the lease
     * repossessor): {@code occupancySeconds} moves the average occupancy; without it (an old client's {@code /decrement},
     * a release without a lease) only the slots and {@code updated} are written.
     */
    void releaseSlots(String id, int slots, Double occupancySeconds) throws SQLException {
        String occupancy = occupancySeconds == null
                ? ""
                : ", avg_slot_occupancy_seconds = concurrency_limit_v2.avg_slot_occupancy_seconds + ? / "
                        + "(concurrency_limit_v2.\"limit\" * 2) - concurrency_limit_v2.avg_slot_occupancy_seconds / "
                        + "(concurrency_limit_v2.\"limit\" * 2)";
        List<Object> params = new ArrayList<>(List.of(slots, slots));
        if (occupancySeconds != null) {
            params.add(Math.max(occupancySeconds / slots, 0.1));
        }
        params.add(id);
        sql(
                "UPDATE concurrency_limit_v2 SET active_slots = CASE WHEN (" + ACTIVE_AFTER_DECAY
                        + " - ? < 0) THEN 0 ELSE "
                        + ACTIVE_AFTER_DECAY + " - ? END, denied_slots = " + DENIED_AFTER_DECAY + occupancy
                        + ", updated = now() WHERE concurrency_limit_v2.id IN (?::uuid) AND concurrency_limit_v2.active = true",
                params.toArray());
    }

    /** {@code delete_concurrency_limit}. */
    void deleteLimitV2(String id) throws SQLException {
        sql("DELETE FROM concurrency_limit_v2 WHERE concurrency_limit_v2.id = ?::uuid", id);
    }

    private static final String SECONDS_SINCE_UPDATED =
            "EXTRACT(epoch FROM timezone('UTC', now()) - " + "timezone('UTC', concurrency_limit_v2.updated))";
    private static final String ACTIVE_AFTER_DECAY = "greatest(0, concurrency_limit_v2.active_slots - "
            + "floor(concurrency_limit_v2.slot_decay_per_second * " + SECONDS_SINCE_UPDATED + "))";
    /** Settings' defaults: 10 s for {@code tag:} limits, 30 s for the others. */
    private static final String DENIED_AFTER_DECAY = "greatest(0, concurrency_limit_v2.denied_slots - floor(CASE WHEN "
            + "(concurrency_limit_v2.slot_decay_per_second > 0.0) THEN concurrency_limit_v2.slot_decay_per_second "
            + "ELSE 1.0 / greatest(0.1, least(CAST(concurrency_limit_v2.avg_slot_occupancy_seconds AS FLOAT), "
            + "CASE WHEN (concurrency_limit_v2.name LIKE 'tag:%') THEN 10.0 ELSE 30.0 END)) END * "
            + SECONDS_SINCE_UPDATED + "))";

    // ------------------------------------------------------------------ v1 limits (models/concurrency_limits.py)

    /** {@code create_concurrency_limit}: an upsert on the tag that sets the limit and {@code updated} explicitly. */
    String createLimitV1(String tag, int concurrencyLimit) throws SQLException {
        Instant updated = pythonNow();
        sql(
                "INSERT INTO concurrency_limit (tag, concurrency_limit, active_slots, id, created, updated) "
                        + "VALUES (?, ?, '[]'::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz) ON CONFLICT (tag) DO UPDATE "
                        + "SET concurrency_limit = ?, updated = ?::timestamptz",
                tag,
                concurrencyLimit,
                newId(),
                pythonNow(),
                pythonNow(),
                concurrencyLimit,
                updated);
        return single("SELECT id FROM concurrency_limit WHERE tag = ?", tag);
    }

    /** {@code delete_concurrency_limit} and {@code delete_concurrency_limit_by_tag}. */
    void deleteLimitV1(String id) throws SQLException {
        sql("DELETE FROM concurrency_limit WHERE concurrency_limit.id = ?::uuid", id);
    }

    // ------------------------------------------------------------------ artifacts (models/artifacts.py)

    /** {@code create_artifact} with a key: the collection upsert, then the artifact; one time for both. */
    String createArtifact(String key, String type, String dataJson, String description, String flowRunId)
            throws SQLException {
        String id = newId();
        inTransaction(() -> {
            Instant now = pythonNow();
            sql(
                    "INSERT INTO artifact_collection (latest_id, updated, created, key, type, description, data, metadata_, "
                            + "flow_run_id, task_run_id, id) VALUES (?::uuid, ?::timestamptz, ?::timestamptz, ?, ?, ?, "
                            + "?::json, NULL, ?::uuid, NULL, ?::uuid) ON CONFLICT (key) DO UPDATE SET latest_id = ?::uuid, "
                            + "updated = ?::timestamptz, key = ?, type = ?, description = ?, data = ?::json, metadata_ = NULL, "
                            + "flow_run_id = ?::uuid, task_run_id = NULL",
                    id,
                    now,
                    now,
                    key,
                    type,
                    description,
                    dataJson,
                    flowRunId,
                    newId(),
                    id,
                    now,
                    key,
                    type,
                    description,
                    dataJson,
                    flowRunId);
            sql(
                    "INSERT INTO artifact (created, updated, id, key, type, description, data, metadata_, flow_run_id, "
                            + "task_run_id) VALUES (?::timestamptz, ?::timestamptz, ?::uuid, ?, ?, ?, ?::json, NULL, ?::uuid, NULL)",
                    now,
                    now,
                    id,
                    key,
                    type,
                    description,
                    dataJson,
                    flowRunId);
        });
        return id;
    }

    /**
     * {@code delete_artifact}: deleting the latest version re-points the collection at the newest remaining one,
     * copying its fields and its {@code created}/{@code updated}; deleting the only one deletes the collection.
     */
    void deleteArtifact(String id) throws SQLException {
        inTransaction(() -> {
            String key = single("SELECT key FROM artifact WHERE id = ?::uuid", id);
            boolean latest =
                    single("SELECT id FROM artifact_collection WHERE key = ? AND latest_id = ?::uuid", key, id) != null;
            if (latest) {
                String next = single(
                        "SELECT id FROM artifact WHERE key = ? AND id != ?::uuid ORDER BY created DESC " + "LIMIT 1",
                        key,
                        id);
                if (next != null) {
                    sql(
                            "UPDATE artifact_collection SET latest_id = a.id, data = a.data, description = a.description, "
                                    + "type = a.type, created = a.created, updated = a.updated, flow_run_id = a.flow_run_id, "
                                    + "task_run_id = a.task_run_id, metadata_ = a.metadata_ FROM artifact a "
                                    + "WHERE artifact_collection.key = ? AND a.id = ?::uuid",
                            key,
                            next);
                } else {
                    sql(
                            "DELETE FROM artifact_collection WHERE artifact_collection.key = ? "
                                    + "AND artifact_collection.latest_id = ?::uuid",
                            key,
                            id);
                }
            }
            sql("DELETE FROM artifact WHERE artifact.id = ?::uuid", id);
        });
    }

    /** {@code update_artifact} (PATCH /artifacts/{id}): the artifact, then the collection whose latest it is. */
    void updateArtifact(String id, String dataJson) throws SQLException {
        inTransaction(() -> {
            sql("UPDATE artifact SET data = ?::json, updated = now() WHERE artifact.id = ?::uuid", dataJson, id);
            sql(
                    "UPDATE artifact_collection SET data = ?::json, updated = now() WHERE artifact_collection.latest_id = "
                            + "?::uuid",
                    dataJson,
                    id);
        });
    }

    // ------------------------------------------------------------------ automations (events/models/automations.py)

    /** {@code create_automation}: the ORM insert of {@code Automation.model_dump()}. */
    String createAutomation(String name, String description, boolean enabled, String triggerJson, String actionsJson)
            throws SQLException {
        String id = newId();
        Instant created = pythonNow();
        String tags = release.automationTags() ? "tags, " : "";
        String tagsValue = release.automationTags() ? "'[]'::jsonb, " : "";
        sql(
                "INSERT INTO automation (name, description, enabled, " + tags + "trigger, actions, actions_on_trigger, "
                        + "actions_on_resolve, id, created, updated) VALUES (?, ?, ?, " + tagsValue
                        + "?::jsonb, ?::jsonb, "
                        + "'[]'::jsonb, '[]'::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz)",
                name,
                description,
                enabled,
                triggerJson,
                actionsJson,
                id,
                created,
                pythonNow());
        return id;
    }

    /** {@code update_automation}: PATCH sends some fields, PUT all of them. */
    void updateAutomation(String id, Map<String, Object> fields) throws SQLException {
        update("automation", fields, id);
    }

    /** {@code delete_automation} (its buckets and related resources, not captured, go first). */
    void deleteAutomation(String id) throws SQLException {
        sql("DELETE FROM automation WHERE automation.id = ?::uuid", id);
    }

    // ------------------------------------------------------------------ plumbing

    /** One transaction, as the API's session; nested calls join it. */
    void inTransaction(SqlTransaction.Statements block) throws SQLException {
        if (!db.getAutoCommit()) {
            block.run();
            return;
        }
        SqlTransaction.run(db, block);
    }

    /**
     * The WAL insert position, as Debezium's {@code source.lsn} counts it: every change written after this call has
     * a larger LSN.
     */
    long walPosition() throws SQLException {
        return Long.parseLong(single("SELECT (pg_current_wal_insert_lsn() - '0/0')::text"));
    }

    /** Time passing between two API calls (what rate limits decay on): the server's clock, not the test's. */
    void elapse(double seconds) throws SQLException {
        single("SELECT pg_sleep(?)::text", seconds);
    }

    /** A first column of the first row, as text; {@code null} when there is none. */
    String query(String sql, Object... params) throws SQLException {
        return single(sql, params);
    }

    private static final String FERNET_KEY_CHECK = "SELECT 1 FROM configuration WHERE key = 'ENCRYPTION_KEY'";

    private String encrypt(String plaintext) throws SQLException {
        if (single(FERNET_KEY_CHECK) == null) {
            writeConfiguration("ENCRYPTION_KEY", "{\"fernet_key\": \"" + FERNET_KEY + "\"}");
        }
        byte[] iv = new byte[16];
        RANDOM.nextBytes(iv);
        return FernetTokens.encrypt(FERNET_KEY, plaintext, Instant.now().getEpochSecond(), iv);
    }

    private boolean configurationExists(String key) throws SQLException {
        return single("SELECT key FROM configuration WHERE key = ?", key) != null;
    }

    private String limitV2Id(String name) throws SQLException {
        return single("SELECT id FROM concurrency_limit_v2 WHERE name = ?", name);
    }

    private String valueParam() {
        return release.jsonVariables() ? "?::jsonb" : "?";
    }

    /** The API's JSON value; before 3.0 a variable is a string, stored as its text. */
    private String storedValue(String valueJson) {
        if (release.jsonVariables() || valueJson == null) {
            return valueJson;
        }
        if (!valueJson.startsWith("\"")
                || !valueJson.endsWith("\"")
                || valueJson.substring(1, valueJson.length() - 1).matches(".*[\"\\\\].*")) {
            throw new IllegalArgumentException("before 3.0 a variable's value is a plain string: " + valueJson);
        }
        return valueJson.substring(1, valueJson.length() - 1);
    }

    /**
     * {@code UPDATE <table> SET <fields>, updated = now() WHERE id}: a field name may carry a cast
     * ({@code "tags::jsonb"}) applied to its parameter.
     */
    private void update(String table, Map<String, Object> fields, String id) throws SQLException {
        StringBuilder set = new StringBuilder();
        List<Object> params = new ArrayList<>();
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            String[] nameAndCast = field.getKey().split("::", 2);
            set.append(nameAndCast[0])
                    .append(" = ?")
                    .append(nameAndCast.length > 1 ? "::" + nameAndCast[1] : "")
                    .append(", ");
            params.add(field.getValue());
        }
        params.add(id);
        sql("UPDATE " + table + " SET " + set + "updated = now() WHERE " + table + ".id = ?::uuid", params.toArray());
    }

    private void sql(String sql, Object... params) throws SQLException {
        sqlCount(sql, params);
    }

    private int sqlCount(String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = prepared(sql, params)) {
            return statement.executeUpdate();
        }
    }

    private String single(String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = prepared(sql, params);
                ResultSet rs = statement.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private PreparedStatement prepared(String sql, Object... params) throws SQLException {
        PreparedStatement statement = db.prepareStatement(sql);
        try {
            for (int i = 0; i < params.length; i++) {
                Object param = params[i] instanceof Instant instant ? instant.toString() : params[i];
                statement.setObject(i + 1, param);
            }
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    /** Python's {@code now("UTC")}: microseconds. */
    private static Instant pythonNow() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    static String newId() {
        return UUID.randomUUID().toString();
    }

    /** Python's {@code html.escape(text, quote=False)}. */
    static String htmlEscape(String text) {
        return text == null
                ? null
                : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String jsonString(String token) {
        return "\"" + token + "\"";
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
