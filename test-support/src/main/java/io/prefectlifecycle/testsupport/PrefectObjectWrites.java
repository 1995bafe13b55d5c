package io.prefectlifecycle.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The writes Prefect's server makes to {@code work_pool}, {@code work_queue} and {@code deployment} (and the flows,
 * limits and documents they refer to), one API call per transaction, statement for statement as its models issue
 * them ({@code models/workers.py}, {@code models/work_queues.py}, {@code models/deployments.py}; the WAL of the
 * shared fixture object-events shows the same rows): which rows change, in which order, and whether {@code updated}
 * is bumped (every ORM flush and {@code sa.update} sets it to the transaction's time; the deployment upsert sets it
 * itself; {@code mark_deployments_ready}, foreign-key actions and migrations keep it). Times come from a clock that
 * ticks per call, so a re-capture differs only in LSNs, txIds and commit times.
 *
 * <p>Each call records its transaction id ({@code txid_current()}, Debezium's {@code source.txId}), so a capture can be
 * cut into the calls of one case ({@link #transactions()}).
 */
public final class PrefectObjectWrites {

    public static final String K8S_TEMPLATE =
            "{\"variables\": {\"type\": \"object\", \"properties\": {\"image\": {\"type\": "
                    + "\"string\", \"default\": \"prefecthq/prefect:3-latest\"}, \"namespace\": {\"type\": \"string\", "
                    + "\"default\": \"prefect\"}}}, \"job_configuration\": {\"image\": \"{{ image }}\", \"namespace\": "
                    + "\"{{ namespace }}\"}}";
    /** What Prefect stores for a pool created since 3.2.14: the model dumped with every field. */
    public static final String STORAGE_NULLS = "{\"bundle_upload_step\": null, \"bundle_execution_step\": null, "
            + "\"default_result_storage_block_id\": null}";

    /** The column types that need a cast from a JDBC string: JSONB, UUID, timestamptz and Prefect's enums. */
    private static final Map<String, String> CASTS = Map.ofEntries(
            Map.entry("id", "uuid"),
            Map.entry("created", "timestamptz"),
            Map.entry("updated", "timestamptz"),
            Map.entry("base_job_template", "jsonb"),
            Map.entry("storage_configuration", "jsonb"),
            Map.entry("default_queue_id", "uuid"),
            Map.entry("last_status_event_id", "uuid"),
            Map.entry("last_transitioned_status_at", "timestamptz"),
            Map.entry("filter", "jsonb"),
            Map.entry("last_polled", "timestamptz"),
            Map.entry("work_pool_id", "uuid"),
            Map.entry("tags", "jsonb"),
            Map.entry("parameters", "jsonb"),
            Map.entry("flow_id", "uuid"),
            Map.entry("infrastructure_document_id", "uuid"),
            Map.entry("parameter_openapi_schema", "jsonb"),
            Map.entry("storage_document_id", "uuid"),
            Map.entry("infra_overrides", "jsonb"),
            Map.entry("created_by", "jsonb"),
            Map.entry("updated_by", "jsonb"),
            Map.entry("work_queue_id", "uuid"),
            Map.entry("pull_steps", "jsonb"),
            Map.entry("concurrency_options", "jsonb"),
            Map.entry("concurrency_limit_id", "uuid"),
            Map.entry("labels", "jsonb"),
            Map.entry("version_id", "uuid"),
            Map.entry("schedule", "jsonb"),
            Map.entry("flow_data", "jsonb"),
            Map.entry("last_heartbeat_time", "timestamptz"),
            Map.entry("block_type_id", "uuid"),
            Map.entry("block_schema_id", "uuid"),
            Map.entry("data", "jsonb"),
            Map.entry("fields", "jsonb"),
            Map.entry("capabilities", "jsonb"),
            Map.entry("deployment_id", "uuid"),
            Map.entry("value", "jsonb"));

    private static final Map<String, String> ENUM_CASTS = Map.of(
            "work_pool.status",
            "work_pool_status",
            "work_queue.status",
            "work_queue_status",
            "deployment.status",
            "deployment_status",
            "worker.status",
            "worker_status");

    private final Connection db;
    private final List<Long> transactions = new ArrayList<>();
    private Instant now;
    private String callTime;

    public PrefectObjectWrites(Connection db, Instant start) {
        this.db = db;
        this.now = start;
    }

    /** Column values in order, from alternating names and values ({@code null} values allowed). */
    public static Map<String, Object> columns(Object... namesAndValues) {
        Map<String, Object> columns = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            columns.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return columns;
    }

    public interface Statements {
        public void run() throws SQLException;
    }

    /** One API call: its statements in one transaction, at one tick of the clock ({@link #time()}). */
    public void call(Statements statements) throws SQLException {
        now = now.plus(Duration.ofMillis(1000).plusNanos(111_000));
        callTime = now.toString();
        db.setAutoCommit(false);
        try (PreparedStatement txid = db.prepareStatement("SELECT txid_current()");
                ResultSet result = txid.executeQuery()) {
            result.next();
            long id = result.getLong(1);
            statements.run();
            db.commit();
            transactions.add(id);
        } catch (SQLException | RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    /** The transaction ids of the calls so far, in commit order. */
    public List<Long> transactions() {
        return List.copyOf(transactions);
    }

    /** The call's time: {@code now()} of its transaction, and the times Python stamps in it. */
    public String time() {
        return callTime;
    }

    public void insert(String table, Map<String, Object> values) throws SQLException {
        StringJoiner names = new StringJoiner(", ");
        StringJoiner marks = new StringJoiner(", ");
        values.keySet().forEach(column -> {
            names.add(quoted(column));
            marks.add(mark(table, column));
        });
        execute(
                "INSERT INTO " + table + " (" + names + ") VALUES (" + marks + ")",
                values.values().toArray());
    }

    /** {@code UPDATE table SET … WHERE id = ?}, as {@code sa.update(...).where(id == …)} writes it. */
    public void update(String table, String id, Map<String, Object> values) throws SQLException {
        StringJoiner sets = new StringJoiner(", ");
        values.keySet().forEach(column -> sets.add(quoted(column) + " = " + mark(table, column)));
        List<Object> params = new ArrayList<>(values.values());
        params.add(id);
        execute("UPDATE " + table + " SET " + sets + " WHERE " + table + ".id = ?::uuid", params.toArray());
    }

    public void delete(String table, String id) throws SQLException {
        execute("DELETE FROM " + table + " WHERE " + table + ".id = ?::uuid", id);
    }

    public void execute(String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            statement.executeUpdate();
        }
    }

    // ---- flows, limits, documents -------------------------------------------------------------------------------

    /** {@code POST /flows/}. */
    public void createFlow(String id, String name) throws SQLException {
        call(() -> insert(
                "flow",
                columns("id", id, "created", time(), "updated", time(), "name", name, "tags", "[]", "labels", "{}")));
    }

    /** {@code DELETE /flows/{id}}: its deployments go by cascade. */
    public void deleteFlow(String id) throws SQLException {
        call(() -> delete("flow", id));
    }

    /** A block type and schema whose documents are anonymous (storage blocks saved by deployments), no secrets. */
    public void createBlockTypeAndSchema(String typeId, String schemaId, String name) throws SQLException {
        call(() -> {
            insert(
                    "block_type",
                    columns(
                            "id",
                            typeId,
                            "created",
                            time(),
                            "updated",
                            time(),
                            "name",
                            name,
                            "slug",
                            name.toLowerCase(java.util.Locale.ROOT).replace(' ', '-'),
                            "is_protected",
                            false));
            insert(
                    "block_schema",
                    columns(
                            "id",
                            schemaId,
                            "created",
                            time(),
                            "updated",
                            time(),
                            "fields",
                            "{\"title\": \"" + name + "\", \"type\": \"object\", \"properties\": {}, "
                                    + "\"secret_fields\": [], \"block_type_slug\": \"x\"}",
                            "checksum",
                            "sha256:" + schemaId,
                            "block_type_id",
                            typeId,
                            "capabilities",
                            "[]",
                            "version",
                            "non-versioned"));
        });
    }

    /** An anonymous block document (no event of its own), as deployments' storage and infrastructure are saved. */
    public void createAnonymousDocument(String id, String typeId, String schemaId) throws SQLException {
        call(() -> insert(
                "block_document",
                columns(
                        "id",
                        id,
                        "created",
                        time(),
                        "updated",
                        time(),
                        "name",
                        "anonymous-" + id,
                        "data",
                        "\"gAAAAAB-not-read-for-anonymous-documents\"",
                        "block_schema_id",
                        schemaId,
                        "block_type_id",
                        typeId,
                        "is_anonymous",
                        true,
                        "block_type_name",
                        "Storage")));
    }

    /** {@code DELETE /block_documents/{id}}: deployments using it as storage or infrastructure go by cascade. */
    public void deleteDocument(String id) throws SQLException {
        call(() -> delete("block_document", id));
    }

    // ---- work pools ---------------------------------------------------------------------------------------------

    /**
     * {@code POST /work_pools/} ({@code create_work_pool}): INSERT the pool, INSERT its queue {@code default}
     * (priority 1), then UPDATE the pool's {@code default_queue_id} (the second flush bumps {@code updated}).
     */
    public void createWorkPool(
            String poolId, String name, String type, String description, String template, String defaultQueueId)
            throws SQLException {
        call(() -> insertWorkPoolWithDefaultQueue(poolId, name, type, description, template, defaultQueueId));
    }

    public void insertWorkPoolWithDefaultQueue(
            String poolId, String name, String type, String description, String template, String defaultQueueId)
            throws SQLException {
        insert(
                "work_pool",
                columns(
                        "id",
                        poolId,
                        "created",
                        time(),
                        "updated",
                        time(),
                        "name",
                        name,
                        "description",
                        description,
                        "type",
                        type,
                        "base_job_template",
                        template,
                        "is_paused",
                        false,
                        "concurrency_limit",
                        null,
                        "status",
                        "NOT_READY",
                        "storage_configuration",
                        STORAGE_NULLS));
        insertWorkQueue(defaultQueueId, poolId, "default", "The work pool's default queue.", 1, null);
        update("work_pool", poolId, columns("default_queue_id", defaultQueueId, "updated", time()));
    }

    /** {@code PATCH /work_pools/{name}}: the fields sent, and {@code updated}. */
    public void patchWorkPool(String poolId, Map<String, Object> fields) throws SQLException {
        call(() -> {
            Map<String, Object> values = new LinkedHashMap<>(fields);
            values.put("updated", time());
            update("work_pool", poolId, values);
        });
    }

    /** {@code PATCH /work_pools/{name} {"is_paused": …}}: a status change, with its event id and time. */
    public void pauseWorkPool(String poolId, boolean paused, String statusEventId) throws SQLException {
        call(() -> update(
                "work_pool",
                poolId,
                columns(
                        "is_paused",
                        paused,
                        "status",
                        paused ? "PAUSED" : "NOT_READY",
                        "last_status_event_id",
                        statusEventId,
                        "last_transitioned_status_at",
                        time(),
                        "updated",
                        time())));
    }

    /** {@code POST /work_pools/{name}/workers/heartbeat}: the worker upsert (not captured), the pool READY. */
    public void workerHeartbeat(String poolId, String workerId, String statusEventId) throws SQLException {
        call(() -> {
            execute(
                    "INSERT INTO worker (id, created, updated, name, last_heartbeat_time, work_pool_id, "
                            + "heartbeat_interval_seconds, status) VALUES (?::uuid, ?::timestamptz, ?::timestamptz, ?, "
                            + "?::timestamptz, ?::uuid, ?, 'ONLINE') ON CONFLICT (work_pool_id, name) DO UPDATE SET "
                            + "last_heartbeat_time = excluded.last_heartbeat_time, status = excluded.status, "
                            + "updated = excluded.updated",
                    workerId,
                    time(),
                    time(),
                    "worker-1",
                    time(),
                    poolId,
                    30);
            update(
                    "work_pool",
                    poolId,
                    columns(
                            "status",
                            "READY",
                            "last_status_event_id",
                            statusEventId,
                            "last_transitioned_status_at",
                            time(),
                            "updated",
                            time()));
        });
    }

    /** {@code DELETE /work_pools/{name}}: one DELETE; workers and queues go by cascade, deployments' queues SET NULL. */
    public void deleteWorkPool(String poolId) throws SQLException {
        call(() -> delete("work_pool", poolId));
    }

    // ---- work queues --------------------------------------------------------------------------------------------

    public void insertWorkQueue(
            String id, String poolId, String name, String description, int priority, Integer concurrencyLimit)
            throws SQLException {
        insert(
                "work_queue",
                columns(
                        "id",
                        id,
                        "created",
                        time(),
                        "updated",
                        time(),
                        "name",
                        name,
                        "filter",
                        null,
                        "description",
                        description,
                        "is_paused",
                        false,
                        "concurrency_limit",
                        concurrencyLimit,
                        "priority",
                        priority,
                        "work_pool_id",
                        poolId,
                        "status",
                        "NOT_READY"));
    }

    /**
     * {@code POST /work_pools/{pool}/queues} ({@code create_work_queue}): the INSERT, then, when a priority was
     * given, {@code bulk_update_work_queue_priorities}' UPDATEs of the other queues it moves ({@code renumbered}:
     * queue id → new priority, in the order Prefect flushes them).
     */
    public void createWorkQueue(
            String id,
            String poolId,
            String name,
            String description,
            int priority,
            Integer concurrencyLimit,
            Map<String, Integer> renumbered)
            throws SQLException {
        call(() -> {
            insertWorkQueue(id, poolId, name, description, priority, concurrencyLimit);
            renumber(renumbered);
        });
    }

    /**
     * {@code PATCH /work_pools/{pool}/queues/{name}} ({@code update_work_queue}): the UPDATE of the fields sent and
     * {@code updated}; when {@code priority} was sent, the other queues' renumbering after it.
     */
    public void patchWorkQueue(String id, Map<String, Object> fields, Map<String, Integer> renumbered)
            throws SQLException {
        call(() -> {
            Map<String, Object> values = new LinkedHashMap<>(fields);
            values.put("updated", time());
            update("work_queue", id, values);
            renumber(renumbered);
        });
    }

    private void renumber(Map<String, Integer> priorities) throws SQLException {
        for (Map.Entry<String, Integer> queue : priorities.entrySet()) {
            update("work_queue", queue.getKey(), columns("priority", queue.getValue(), "updated", time()));
        }
    }

    /** {@code PATCH … {"is_paused": true}}: is_paused and status PAUSED. */
    public void pauseWorkQueue(String id) throws SQLException {
        call(() -> update("work_queue", id, columns("is_paused", true, "status", "PAUSED", "updated", time())));
    }

    /** A worker's poll: {@code mark_work_queues_ready}: {@code last_polled} with {@code updated}, then READY. */
    public void markWorkQueuesReady(String... ids) throws SQLException {
        call(() -> {
            for (String id : ids) {
                update("work_queue", id, columns("last_polled", time(), "updated", time()));
            }
            for (String id : ids) {
                update("work_queue", id, columns("status", "READY"));
            }
        });
    }

    /** {@code DELETE /work_pools/{pool}/queues/{name}}: deployments on it are SET NULL by the foreign key. */
    public void deleteWorkQueue(String id) throws SQLException {
        call(() -> delete("work_queue", id));
    }

    // ---- deployments --------------------------------------------------------------------------------------------

    /**
     * A deployment row as {@code POST /deployments/} inserts it: the defaults Prefect's models fill, then
     * {@code fields} (column → value) over them.
     */
    public Map<String, Object> deploymentRow(String id, String flowId, String name, Map<String, Object> fields) {
        Map<String, Object> row = columns(
                "id",
                id,
                "created",
                time(),
                "updated",
                time(),
                "name",
                name,
                "tags",
                "[]",
                "parameters",
                "{}",
                "flow_id",
                flowId,
                "infrastructure_document_id",
                null,
                "description",
                null,
                "parameter_openapi_schema",
                "{}",
                "storage_document_id",
                null,
                "version",
                null,
                "infra_overrides",
                "{}",
                "path",
                null,
                "entrypoint",
                null,
                "work_queue_name",
                null,
                "created_by",
                null,
                "updated_by",
                null,
                "work_queue_id",
                null,
                "pull_steps",
                "[]",
                "enforce_parameter_schema",
                false,
                "paused",
                false,
                "status",
                "NOT_READY",
                "concurrency_options",
                null,
                "labels",
                "{\"prefect.flow.id\": \"" + flowId + "\"}");
        row.putAll(fields);
        return row;
    }

    /**
     * {@code POST /deployments/} for a new deployment: the upsert's INSERT (its ON CONFLICT branch not taken).
     */
    public void createDeployment(Map<String, Object> row) throws SQLException {
        call(() -> upsertDeployment(row));
    }

    /** The upsert: {@code INSERT … ON CONFLICT (flow_id, name) DO UPDATE SET} the fields sent, {@code updated} set. */
    public void upsertDeployment(Map<String, Object> row) throws SQLException {
        StringJoiner sets = new StringJoiner(", ");
        row.keySet().stream()
                .filter(c -> !List.of("id", "created", "created_by").contains(c))
                .forEach(c -> sets.add(quoted(c) + " = excluded." + quoted(c)));
        StringJoiner names = new StringJoiner(", ");
        StringJoiner marks = new StringJoiner(", ");
        row.keySet().forEach(column -> {
            names.add(quoted(column));
            marks.add(mark("deployment", column));
        });
        execute(
                "INSERT INTO deployment (" + names + ") VALUES (" + marks + ") ON CONFLICT (flow_id, name) DO UPDATE "
                        + "SET " + sets,
                row.values().toArray());
    }

    /** {@code PATCH /deployments/{id}} ({@code update_deployment}): the fields sent, and {@code updated}. */
    public void patchDeployment(String id, Map<String, Object> fields) throws SQLException {
        call(() -> updateDeployment(id, fields));
    }

    public void updateDeployment(String id, Map<String, Object> fields) throws SQLException {
        Map<String, Object> values = new LinkedHashMap<>(fields);
        values.put("updated", time());
        update("deployment", id, values);
    }

    /**
     * {@code _create_or_update_deployment_concurrency_limit}: the {@code deployment:<id>} limit the deployment's
     * {@code concurrency_limit} makes (silent in Prefect), and the deployment pointing to it.
     */
    public void insertDeploymentLimit(String limitId, String deploymentId, int limit) throws SQLException {
        insert(
                "concurrency_limit_v2",
                columns(
                        "id",
                        limitId,
                        "created",
                        time(),
                        "updated",
                        time(),
                        "active",
                        true,
                        "name",
                        "deployment:" + deploymentId,
                        "limit",
                        limit,
                        "active_slots",
                        0,
                        "denied_slots",
                        0,
                        "slot_decay_per_second",
                        0.0,
                        "avg_slot_occupancy_seconds",
                        2.0));
        update(
                "deployment",
                deploymentId,
                columns("concurrency_limit", limit, "concurrency_limit_id", limitId, "updated", time()));
    }

    /** A worker's poll: {@code mark_deployments_ready}: status and {@code last_polled}, {@code updated} kept. */
    public void markDeploymentsReady(String... ids) throws SQLException {
        call(() -> {
            for (String id : ids) {
                execute(
                        "UPDATE deployment SET status = 'READY', last_polled = ?::timestamptz, "
                                + "updated = deployment.updated WHERE deployment.id = ?::uuid",
                        time(),
                        id);
            }
        });
    }

    /**
     * {@code DELETE /deployments/{id}} ({@code delete_deployment}): its {@code deployment:} limit first (the foreign
     * key nulls {@code concurrency_limit_id}, {@code updated} kept), then the row.
     */
    public void deleteDeployment(String id, String limitId) throws SQLException {
        call(() -> {
            if (limitId != null) {
                delete("concurrency_limit_v2", limitId);
            }
            delete("deployment", id);
        });
    }

    private static String quoted(String column) {
        return column.equals("limit") ? "\"limit\"" : column;
    }

    private static String mark(String table, String column) {
        String cast = ENUM_CASTS.getOrDefault(table + "." + column, CASTS.get(column));
        return cast == null ? "?" : "?::" + cast;
    }
}
