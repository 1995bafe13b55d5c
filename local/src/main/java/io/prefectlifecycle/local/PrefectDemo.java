package io.prefectlifecycle.local;

import io.prefectlifecycle.kinds.Fernet;
import io.prefectlifecycle.kinds.FernetKey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;

/**
 * {@code local --demo}: a short scripted set of changes of every kind, written as Prefect's server writes them
 * (statement shapes, upserts, one transaction per API call, {@code updated = now()} on updates, block document data
 * as a Fernet token of Python's {@code json.dumps} under the database's key), so that a new user sees every event kind
 * within seconds.
 */
public final class PrefectDemo {

    /** The secret field of the demo's block document: it must never appear in an event or a log. */
    public static final String SECRET = "demo-pw-7Kq2xV9tLm3R";
    /** The same document after its password was rotated. */
    public static final String ROTATED_SECRET = "demo-pw-rotated-Zp4Wn8cY";

    /** The changes {@link #write} makes, in order, and the event each becomes. */
    public static final String[] EVENTS = {
        "prefect.variable.created",
        "prefect.variable.updated",
        "prefect.flow.created",
        "prefect.flow.updated",
        "prefect.block-type.created",
        "prefect.block-document.created",
        "prefect.block-document.updated",
        "prefect.concurrency-limit.created",
        "prefect.concurrency-limit.updated",
        "prefect.concurrency-limit.created",
        "prefect.artifact-collection.created",
        "prefect.automation.created",
        "prefect.automation.updated",
        "prefect.work-queue.created",
        "prefect.work-pool.created",
        "prefect.deployment.created",
        "prefect.deployment.updated",
        "prefect.variable.deleted"
    };

    private final Connection db;
    private final FernetKey key;

    private PrefectDemo(Connection db, FernetKey key) {
        this.db = db;
        this.key = key;
    }

    /** Writes the changes of {@link #EVENTS}, each committed on its own (autocommit), the artifact's two rows together. */
    public static void write(Connection db, FernetKey key) throws SQLException {
        new PrefectDemo(db, key).write();
    }

    private void write() throws SQLException {
        String variable = uuid();
        String now = now();
        sql(
                "INSERT INTO variable (name, value, tags, id, created, updated) VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, "
                        + "?::timestamptz, ?::timestamptz)",
                "deploy_region",
                "\"eu-west-1\"",
                "[\"demo\"]",
                variable,
                now,
                now);
        sql(
                "UPDATE variable SET value = ?::jsonb, updated = now() WHERE variable.id = ?::uuid",
                "\"eu-central-1\"",
                variable);

        String flow = uuid();
        now = now();
        sql(
                "INSERT INTO flow (name, tags, labels, id, created, updated) VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, "
                        + "?::timestamptz, ?::timestamptz) ON CONFLICT (name) DO NOTHING",
                "daily-etl",
                "[]",
                "{}",
                flow,
                now,
                now);
        sql("UPDATE flow SET tags = ?::jsonb, updated = now() WHERE flow.id = ?::uuid", "[\"etl\", \"nightly\"]", flow);

        String blockType = uuid();
        now = now();
        sql(
                "INSERT INTO block_type (name, slug, logo_url, documentation_url, description, code_example, is_protected, "
                        + "id, created, updated) VALUES (?, ?, NULL, ?, ?, ?, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                "Database Credentials",
                "database-credentials",
                "https://docs.prefect.io/integrations/prefect-sqlalchemy",
                "Block used to manage authentication with a database.",
                "```python\nfrom prefect_sqlalchemy import DatabaseCredentials\n\n"
                        + "database_block = DatabaseCredentials.load(\"BLOCK_NAME\")\n```",
                false,
                blockType,
                now,
                now);
        String schema = uuid();
        String fields =
                "{\"type\": \"object\", \"title\": \"DatabaseCredentials\", \"description\": \"Block used to manage "
                        + "authentication with a database.\", \"properties\": {\"driver\": {\"type\": \"string\", \"title\": "
                        + "\"Driver\"}, \"username\": {\"type\": \"string\", \"title\": \"Username\"}, \"password\": {\"type\": "
                        + "\"string\", \"title\": \"Password\", \"format\": \"password\", \"writeOnly\": true}, \"host\": {\"type\": "
                        + "\"string\", \"title\": \"Host\"}, \"port\": {\"type\": \"integer\", \"title\": \"Port\"}, \"database\": "
                        + "{\"type\": \"string\", \"title\": \"Database\"}}, \"secret_fields\": [\"password\"], "
                        + "\"block_type_slug\": \"database-credentials\"}";
        now = now();
        sql(
                "INSERT INTO block_schema (fields, checksum, block_type_id, capabilities, version, id, created, updated) "
                        + "VALUES (?::jsonb, ?, ?::uuid, ?::jsonb, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                fields,
                "sha256:" + sha256(fields),
                blockType,
                "[]",
                "0.5.3",
                schema,
                now,
                now);

        String document = uuid();
        now = now();
        sql(
                "INSERT INTO block_document (name, data, block_schema_id, block_type_id, is_anonymous, block_type_name, id, "
                        + "created, updated) VALUES (?, ?::jsonb, ?::uuid, ?::uuid, ?, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                "warehouse",
                token(credentials("warehouse.internal", SECRET)),
                schema,
                blockType,
                false,
                "Database Credentials",
                document,
                now,
                now);
        sql(
                "UPDATE block_document SET data = ?::jsonb, updated = now() WHERE block_document.id = ?::uuid",
                token(credentials("warehouse-2.internal", ROTATED_SECRET)),
                document);

        String limit = uuid();
        now = now();
        sql(
                "INSERT INTO concurrency_limit_v2 (active, name, \"limit\", active_slots, denied_slots, slot_decay_per_second, "
                        + "avg_slot_occupancy_seconds, id, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?::uuid, ?::timestamptz, "
                        + "?::timestamptz)",
                true,
                "warehouse-connections",
                5,
                0,
                0,
                0.0,
                2.0,
                limit,
                now,
                now);
        sql(
                "UPDATE concurrency_limit_v2 SET \"limit\" = ?, updated = now() WHERE concurrency_limit_v2.id = ?::uuid",
                10,
                limit);
        now = now();
        sql(
                "INSERT INTO concurrency_limit (tag, concurrency_limit, active_slots, id, created, updated) VALUES (?, ?, "
                        + "?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz) ON CONFLICT (tag) DO UPDATE SET concurrency_limit = "
                        + "excluded.concurrency_limit, updated = excluded.updated",
                "legacy-db",
                3,
                "[]",
                uuid(),
                now,
                now);

        artifact();

        String automation = uuid();
        String trigger = "{\"type\": \"event\", \"id\": \"" + uuid() + "\", \"match\": {\"prefect.resource.id\": "
                + "\"prefect.flow-run.*\"}, \"match_related\": {}, \"after\": [], \"expect\": [\"prefect.flow-run.Failed\"], "
                + "\"for_each\": [\"prefect.resource.id\"], \"posture\": \"Reactive\", \"threshold\": 1, \"within\": 0.0}";
        String actions = "[{\"type\": \"send-notification\", \"block_document_id\": \"" + document + "\", \"subject\": "
                + "\"Prefect automated notification\", \"body\": \"Flow run {{ flow_run.name }} failed\"}]";
        now = now();
        sql(
                "INSERT INTO automation (name, description, enabled, trigger, actions, actions_on_trigger, actions_on_resolve, "
                        + "id, created, updated, tags) VALUES (?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?::uuid, "
                        + "?::timestamptz, ?::timestamptz, ?::jsonb)",
                "Notify on failed flow runs",
                "",
                true,
                trigger,
                actions,
                "[]",
                "[]",
                automation,
                now,
                now,
                "[\"demo\"]");
        sql("UPDATE automation SET enabled = ?, updated = now() WHERE automation.id = ?::uuid", false, automation);

        String queue = workPool();
        String deployment = uuid();
        now = now();
        sql(
                "INSERT INTO deployment (id, created, updated, name, tags, parameters, flow_id, description, "
                        + "parameter_openapi_schema, infra_overrides, entrypoint, work_queue_name, work_queue_id, pull_steps, "
                        + "enforce_parameter_schema, paused, status, labels) VALUES (?::uuid, ?::timestamptz, ?::timestamptz, ?, "
                        + "?::jsonb, ?::jsonb, ?::uuid, ?, ?::jsonb, ?::jsonb, ?, ?, ?::uuid, ?::jsonb, ?, ?, 'NOT_READY', ?::jsonb)",
                deployment,
                now,
                now,
                "nightly",
                "[\"etl\"]",
                "{\"region\": \"eu-central-1\"}",
                flow,
                "Loads the warehouse every night",
                "{}",
                "{}",
                "flows/etl.py:daily_etl",
                "default",
                queue,
                "[]",
                false,
                false,
                "{\"prefect.flow.id\": \"" + flow + "\"}");
        // PATCH /deployments/{id} {"paused": true}
        sql("UPDATE deployment SET paused = ?, updated = now() WHERE deployment.id = ?::uuid", true, deployment);

        sql("DELETE FROM variable WHERE variable.id = ?::uuid", variable);
    }

    /**
     * POST /work_pools/: the pool, its default queue, and the pool pointed at the queue, in one transaction; the
     * queue's {@code created} comes right before the pool's, as in Prefect. Returns the queue's id.
     */
    private String workPool() throws SQLException {
        String pool = uuid();
        String queue = uuid();
        String now = now();
        inOneTransaction(() -> {
            sql(
                    "INSERT INTO work_pool (id, created, updated, name, description, type, base_job_template, is_paused, "
                            + "status, storage_configuration) VALUES (?::uuid, ?::timestamptz, ?::timestamptz, ?, ?, ?, "
                            + "?::jsonb, ?, 'NOT_READY', ?::jsonb)",
                    pool,
                    now,
                    now,
                    "demo-pool",
                    "Runs the demo's flows",
                    "process",
                    "{}",
                    false,
                    "{\"bundle_upload_step\": null, \"bundle_execution_step\": null, "
                            + "\"default_result_storage_block_id\": null}");
            sql(
                    "INSERT INTO work_queue (id, created, updated, name, description, is_paused, priority, work_pool_id, "
                            + "status) VALUES (?::uuid, ?::timestamptz, ?::timestamptz, ?, ?, ?, ?, ?::uuid, 'NOT_READY')",
                    queue,
                    now,
                    now,
                    "default",
                    "The work pool's default queue.",
                    false,
                    1,
                    pool);
            sql(
                    "UPDATE work_pool SET default_queue_id = ?::uuid, updated = now() WHERE work_pool.id = ?::uuid",
                    queue,
                    pool);
        });
        return queue;
    }

    /** create_artifact with a key: the artifact and its collection's upsert, in one transaction. */
    private void artifact() throws SQLException {
        String artifact = uuid();
        String flowRun = uuid();
        String data = "\"# Daily report\\n\\nAll 1,204 rows loaded.\"";
        String now = now();
        inOneTransaction(() -> {
            sql(
                    "INSERT INTO artifact (key, type, data, metadata_, task_run_id, flow_run_id, description, id, created, "
                            + "updated) VALUES (?, ?, ?::json, NULL, NULL, ?::uuid, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                    "daily-report",
                    "markdown",
                    data,
                    flowRun,
                    "Nightly load report",
                    artifact,
                    now,
                    now);
            sql(
                    "INSERT INTO artifact_collection (key, latest_id, task_run_id, flow_run_id, type, data, description, "
                            + "metadata_, id, created, updated) VALUES (?, ?::uuid, NULL, ?::uuid, ?, ?::json, ?, NULL, ?::uuid, "
                            + "?::timestamptz, ?::timestamptz) ON CONFLICT (key) DO UPDATE SET latest_id = excluded.latest_id, "
                            + "task_run_id = excluded.task_run_id, flow_run_id = excluded.flow_run_id, type = excluded.type, "
                            + "data = excluded.data, description = excluded.description, metadata_ = excluded.metadata_, "
                            + "updated = excluded.updated",
                    "daily-report",
                    artifact,
                    flowRun,
                    "markdown",
                    data,
                    "Nightly load report",
                    uuid(),
                    now,
                    now);
        });
    }

    /** Runs {@code statements} in one transaction, as one server call does; the demo's other writes autocommit. */
    private void inOneTransaction(SqlTransaction.Statements statements) throws SQLException {
        SqlTransaction.run(db, statements);
    }

    /** The document's data as Python's {@code json.dumps} writes it (the plaintext Prefect encrypts). */
    private static String credentials(String host, String password) {
        return "{\"driver\": \"postgresql+psycopg2\", \"username\": \"etl\", \"password\": \"" + password
                + "\", \"host\": \"" + host + "\", \"port\": 5432, \"database\": \"analytics\"}";
    }

    /** {@code block_document.data}: a JSONB string holding the token. */
    private String token(String plaintext) {
        return "\"" + Fernet.encrypt(plaintext.getBytes(StandardCharsets.UTF_8), key) + "\"";
    }

    private void sql(String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            statement.executeUpdate();
        }
    }

    private static String uuid() {
        return UUID.randomUUID().toString();
    }

    /** Inserts take their timestamps from the server's Python clock, not from the database's. */
    private static String now() {
        return Instant.now().toString();
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
