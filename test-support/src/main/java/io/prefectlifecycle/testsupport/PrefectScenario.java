package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.local.SqlTransaction;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Random;

/**
 * The writes Prefect's server makes to the captured tables, statement for statement (column sets,
 * upserts, cascades, transactions as the ORM issues them), for every kind and action. Ids, times,
 * Fernet IVs and "random" text are fixed, so a re-capture differs only in LSNs, txIds and clocks.
 * Row ids and values reuse the spec's worked examples (E1-E11) where there is one.
 *
 * <p>Not a {@link ReliabilityWorkload}: this is one fixed run, statement for statement, whose exact events (bytes, not
 * counts) are the golden cases' {@code expected.jsonl} cut from its capture, reviewed by hand; a workload is seeded
 * volume whose events are worked out as {@link ExpectedEvents}. Folding the two together would either lose the exact
 * bytes or make the volume run hand-reviewed.
 */
public final class PrefectScenario {
    public static final String FERNET_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    public static final String SPEC_E5_TOKEN =
            "gAAAAABqIsjCAAECAwQFBgcICQoLDA0ODx4Xw3IRk2qdi65IQAniIR8h42ExZOk946NfOpOImU2p2fhVLnBkFrQW"
                    + "59oX9dXhc26auBQ_zfYJ0PGpLbsV8MUtu4D_xSiz3FUe4dxoOtVKc-OdT2d366fY596kxRJuui7NT4mOaUlAUNQi2UzQ0Fml_8_adKM_5lZnq-"
                    + "VOoXJi3ZItbKUmTmigoy3P2RHQHGmATyweB6bvGuK1zpH8x10=";

    public static final String VARIABLE_DB_URL = "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e";
    public static final String VARIABLE_BIG = id(108);
    public static final String FLOW_ETL = "0b8e6a52-7d3f-4f61-9c1a-2e5d7f9a1b3c";
    public static final String FLOW_LEGACY = "1c9f7b63-8e40-4a72-8d2b-3f6e8a0b2c4d";
    public static final String TYPE_SECRETISH = "3c9d1e7a-2b4f-4a8e-b6c5-d7e8f9a0b1c2";
    public static final String TYPE_DOOMED = id(202);
    public static final String SCHEMA_SECRETISH = "9d8c7b6a-5f4e-4d3c-ab2a-1f0e9d8c7b6a";
    public static final String SCHEMA_SECRETISH_V2 = id(302);
    public static final String SCHEMA_DOOMED = id(303);
    public static final String DOC_PROD_CREDS = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    public static final String DOC_ANONYMOUS = id(402);
    public static final String DOC_BIG = id(403);
    public static final String DOC_TWO_STEP = id(404);
    public static final String DOC_DOOMED = id(405);
    public static final String LIMIT_TAG_DATABASE = "c0ffee00-1234-4abc-9def-0123456789ab";
    public static final String LIMIT_API_RATE = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
    public static final String LIMIT_DEPLOYMENT = id(503);
    public static final String LEGACY_LIMIT = "2b3c4d5e-6f70-4a81-92a3-b4c5d6e7f809";
    public static final String COLLECTION_DAILY = "4d5e6f70-8192-4a3b-8c4d-5e6f708192a3";
    public static final String COLLECTION_TABLE = id(702);
    public static final String ARTIFACT_DAILY_1 = id(711);
    public static final String ARTIFACT_DAILY_2 = "019e97df-ffff-7000-8000-00000000abcd";
    public static final String AUTOMATION = "a3b4c5d6-e7f8-4091-a2b3-c4d5e6f70819";

    private final Connection db;
    private Instant now = Instant.parse("2026-06-05T13:01:54.123456Z");
    private int fernetSeed;

    public PrefectScenario(Connection db) {
        this.db = db;
    }

    /** Rows that exist before the connector does: they arrive as snapshot reads (op r). */
    public void seedBeforeCapture() throws SQLException {
        String t = tick();
        sql(
                "INSERT INTO flow (name, tags, labels, id, created, updated) VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz)",
                "pre-existing-flow",
                "[\"seed\"]",
                "{}",
                id(1),
                t,
                t);
        t = tick();
        sql(
                "INSERT INTO variable (name, value, tags, id, created, updated) VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz)",
                "pre_existing",
                "\"hello\"",
                "[]",
                id(2),
                t,
                t);
    }

    public void variables() throws SQLException {
        insertVariable(VARIABLE_DB_URL, "db_url", "\"postgres://db:5432/app\"", "[\"prod\", \"db\"]");
        insertVariable(id(102), "answer", "42", "[]");
        insertVariable(id(103), "ratio", "1.50", "[]");
        insertVariable(id(104), "flag", "true", "[]");
        insertVariable(
                id(105),
                "settings",
                "{\"ssl\": true, \"host\": \"db\", \"port\": 5432, \"weights\": [1, 2.5]}",
                "[\"prod\"]");
        insertVariable(id(106), "items", "[1, \"two\", null, {\"three\": 3}]", "[]");
        insertVariable(id(107), "nothing", null, "[]");
        // > 8 KB of incompressible JSON: stored out of line (TOAST). Prefect's API caps values at
        // 5000 characters, but its schemas, block data and triggers pass the ~2 KB TOAST threshold too.
        insertVariable(VARIABLE_BIG, "big", "\"" + randomText(9000, 1) + "\"", "[]");
        // rename only: the TOASTed value is unchanged, so pgoutput does not send it
        sql(
                "UPDATE variable SET name = ?, updated = ?::timestamptz WHERE variable.id = ?::uuid",
                "big_renamed",
                tick(),
                VARIABLE_BIG);
        sql(
                "UPDATE variable SET value = ?::jsonb, tags = ?::jsonb, updated = ?::timestamptz WHERE variable.id = ?::uuid",
                "{\"host\": \"db2\", \"port\": 6543}",
                "[\"prod\", \"eu\"]",
                tick(),
                id(105));
        sql("DELETE FROM variable WHERE variable.id = ?::uuid", VARIABLE_DB_URL);
        sql("DELETE FROM variable WHERE variable.id = ?::uuid", VARIABLE_BIG);
    }

    public void flows() throws SQLException {
        String insert =
                "INSERT INTO flow (name, tags, labels, id, created, updated) VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz)";
        sql(insert, "etl-nightly", "[]", "{}", FLOW_ETL, "2026-06-05T13:02:00Z", "2026-06-05T13:02:00Z");
        sql(insert, "legacy-flow", "[\"a\"]", null, FLOW_LEGACY, "2026-06-05T13:02:00.5Z", "2026-06-05T13:02:00.5Z");
        // create_flow on an existing name: Prefect's insert is ON CONFLICT DO NOTHING, nothing changes
        String t = tick();
        sql(insert + " ON CONFLICT (name) DO NOTHING", "etl-nightly", "[]", "{}", id(203), t, t);
        sql(
                "UPDATE flow SET tags = ?::jsonb, labels = ?::jsonb, updated = ?::timestamptz WHERE flow.id = ?::uuid",
                "[\"nightly\"]",
                "{\"team\": \"data\", \"tier\": 1}",
                tick(),
                FLOW_ETL);
        sql("DELETE FROM flow WHERE flow.id = ?::uuid", FLOW_LEGACY);
    }

    public void blockTypesAndSchemas() throws SQLException {
        insertBlockType(
                TYPE_SECRETISH,
                "Secretish",
                "secretish",
                null,
                "https://docs.example.com/secretish",
                "Stores a &lt;user&gt; and password");
        insertBlockType(
                TYPE_DOOMED,
                "Doomed",
                "doomed",
                "https://example.com/doomed.png",
                null,
                "Deleted with its schema and documents");
        sql(
                "UPDATE block_type SET code_example = ?, logo_url = ?, updated = ?::timestamptz WHERE block_type.id = ?::uuid",
                "```python\nfrom prefect_secretish import Secretish\nSecretish.load(\"BLOCK_NAME\")\n```",
                "https://example.com/secretish.png",
                tick(),
                TYPE_SECRETISH);
        insertBlockSchema(SCHEMA_SECRETISH, TYPE_SECRETISH, secretishFields("Secretish"), "[]", "1.0.0");
        insertBlockSchema(
                SCHEMA_SECRETISH_V2,
                TYPE_SECRETISH,
                secretishFields("Secretish v2"),
                "[\"check-connection\"]",
                "2.0.0");
        insertBlockSchema(
                SCHEMA_DOOMED,
                TYPE_DOOMED,
                "{\"type\": \"object\", \"title\": \"Doomed\", \"properties\": {\"value\": {\"type\": \"string\"}}, "
                        + "\"secret_fields\": [], \"block_type_slug\": \"doomed\"}",
                "[]",
                "non-versioned");
    }

    public void blockDocuments() throws SQLException {
        // The first encryption ever: Prefect creates the key row in the document's own transaction.
        inTransaction(() -> {
            String t = tick();
            sql(
                    "INSERT INTO configuration (key, value, id, created, updated) VALUES (?, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz)",
                    "ENCRYPTION_KEY",
                    "{\"fernet_key\": \"" + FERNET_KEY + "\"}",
                    id(601),
                    t,
                    t);
            insertBlockDocument(
                    DOC_PROD_CREDS,
                    "prod-db-creds",
                    SPEC_E5_TOKEN,
                    SCHEMA_SECRETISH,
                    TYPE_SECRETISH,
                    "Secretish",
                    false);
        });
        insertBlockDocument(
                DOC_ANONYMOUS,
                "anonymous-6c1d0e4a-1b2c-4d3e-8f4a-5b6c7d8e9f01",
                token("{\"username\": \"robot\", \"password\": \"beep\"}"),
                SCHEMA_SECRETISH,
                TYPE_SECRETISH,
                "Secretish",
                true);
        insertBlockDocument(
                DOC_BIG,
                "big-doc",
                token("{\"username\": \"bulk\", \"blob\": \"" + randomText(10000, 2) + "\"}"),
                SCHEMA_SECRETISH,
                TYPE_SECRETISH,
                "Secretish",
                false);
        // schema upgrade without new data: the TOASTed token stays, so pgoutput does not send it
        sql(
                "UPDATE block_document SET block_schema_id = ?::uuid, updated = ?::timestamptz WHERE block_document.id = ?::uuid",
                SCHEMA_SECRETISH_V2,
                tick(),
                DOC_BIG);
        inTransaction(() -> {
            insertBlockDocument(
                    DOC_TWO_STEP,
                    "two-step",
                    token("{\"username\": \"first\"}"),
                    SCHEMA_SECRETISH,
                    TYPE_SECRETISH,
                    "Secretish",
                    false);
            updateBlockDocumentData(DOC_TWO_STEP, "{\"username\": \"second\", \"password\": \"pw2\"}");
        });
        updateBlockDocumentData(
                DOC_PROD_CREDS,
                "{\"username\": \"alice\", \"password\": \"hunter3\", \"port\": 5432, \"options\": {\"timeout\": \"30\"}, "
                        + "\"api_key\": {\"token\": \"abc\"}}");
        sql("DELETE FROM block_document WHERE block_document.id = ?::uuid", DOC_PROD_CREDS);
        sql("DELETE FROM block_document WHERE block_document.id = ?::uuid", DOC_ANONYMOUS);
        insertBlockDocument(
                DOC_DOOMED, "doomed-doc", token("{\"value\": \"bye\"}"), SCHEMA_DOOMED, TYPE_DOOMED, "Doomed", false);
        // one statement, three captured deletes: the type, then its schema and document by cascade
        sql("DELETE FROM block_type WHERE block_type.id = ?::uuid", TYPE_DOOMED);
    }

    public void concurrencyLimitsV2() throws SQLException {
        insertLimitV2(LIMIT_TAG_DATABASE, "tag:database", 3, 0.0);
        insertLimitV2(LIMIT_API_RATE, "api-rate", 10, 0.5);
        insertLimitV2(LIMIT_DEPLOYMENT, "deployment:8192a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7", 1, 0.0);
        // slot churn (bulk_increment_active_slots and friends): no event in Prefect
        sql(
                "UPDATE concurrency_limit_v2 SET active_slots = concurrency_limit_v2.active_slots + ?, updated = ?::timestamptz "
                        + "WHERE concurrency_limit_v2.id IN (?::uuid, ?::uuid)",
                1,
                tick(),
                LIMIT_API_RATE,
                LIMIT_TAG_DATABASE);
        sql(
                "UPDATE concurrency_limit_v2 SET denied_slots = concurrency_limit_v2.denied_slots + ?, updated = ?::timestamptz "
                        + "WHERE concurrency_limit_v2.id = ?::uuid",
                1,
                tick(),
                LIMIT_DEPLOYMENT);
        sql(
                "UPDATE concurrency_limit_v2 SET active_slots = greatest(0, concurrency_limit_v2.active_slots - ?), "
                        + "avg_slot_occupancy_seconds = ?, updated = ?::timestamptz WHERE concurrency_limit_v2.id = ?::uuid",
                1,
                2.25,
                tick(),
                LIMIT_API_RATE);
        // PATCH /v2/concurrency_limits/{id} (spec E8)
        sql(
                "UPDATE concurrency_limit_v2 SET \"limit\" = ?, active = ?, slot_decay_per_second = ?, updated = ?::timestamptz "
                        + "WHERE concurrency_limit_v2.id = ?::uuid",
                10,
                false,
                2.5e-06,
                tick(),
                LIMIT_API_RATE);
        sql("DELETE FROM concurrency_limit_v2 WHERE concurrency_limit_v2.id = ?::uuid", LIMIT_TAG_DATABASE);
        sql("DELETE FROM concurrency_limit_v2 WHERE concurrency_limit_v2.id = ?::uuid", LIMIT_DEPLOYMENT);
    }

    public void concurrencyLimitsV1() throws SQLException {
        String upsert = "INSERT INTO concurrency_limit (tag, concurrency_limit, active_slots, id, created, updated) "
                + "VALUES (?, ?, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz) ON CONFLICT (tag) DO UPDATE SET "
                + "concurrency_limit = excluded.concurrency_limit, updated = excluded.updated";
        String t = tick();
        sql(upsert, "legacy-db", 5, "[]", LEGACY_LIMIT, t, t);
        t = tick();
        sql(upsert, "legacy-db", 7, "[]", id(802), t, t);
        sql(
                "UPDATE concurrency_limit SET active_slots = ?::jsonb, updated = ?::timestamptz WHERE concurrency_limit.id = ?::uuid",
                "[\"6f708192-a3b4-4c5d-9e6f-708192a3b4c5\"]",
                tick(),
                LEGACY_LIMIT);
        sql("DELETE FROM concurrency_limit WHERE concurrency_limit.tag = ?", "legacy-db");
    }

    public void artifacts() throws SQLException {
        inTransaction(() -> createArtifact(
                ARTIFACT_DAILY_1,
                COLLECTION_DAILY,
                "daily-report",
                "markdown",
                "\"# Report\\n\\nAll good\"",
                null,
                "Nightly report"));
        inTransaction(() -> createArtifact(
                ARTIFACT_DAILY_2,
                id(713),
                "daily-report",
                "markdown",
                "\"# Report\\n\\nAll good ✅\"",
                null,
                "Nightly report"));
        inTransaction(() -> createArtifact(
                id(721),
                COLLECTION_TABLE,
                "table-report",
                "table",
                "\"[{\\\"a\\\": 1, \\\"b\\\": 2.50}]\"",
                "{\"rows\": 1, \"source\": \"db\"}",
                null));
        // a progress artifact has no key: no collection row, nothing captured
        inTransaction(() -> {
            String t = tick();
            sql(
                    "INSERT INTO artifact (key, type, data, metadata_, task_run_id, flow_run_id, description, id, created, updated) "
                            + "VALUES (NULL, ?, ?::json, NULL, NULL, ?::uuid, NULL, ?::uuid, ?::timestamptz, ?::timestamptz)",
                    "progress",
                    "42.5",
                    "6f708192-a3b4-4c5d-9e6f-708192a3b4c5",
                    id(731),
                    t,
                    t);
        });
        // delete_artifact of the latest version: the collection falls back to the previous one...
        inTransaction(() -> {
            sql("DELETE FROM artifact WHERE artifact.id = ?::uuid", ARTIFACT_DAILY_2);
            sql(
                    "UPDATE artifact_collection SET latest_id = ?::uuid, data = ?::json, updated = ?::timestamptz "
                            + "WHERE artifact_collection.key = ?",
                    ARTIFACT_DAILY_1,
                    "\"# Report\\n\\nAll good\"",
                    tick(),
                    "daily-report");
        });
        // ...and deleting the only one left deletes the collection
        inTransaction(() -> {
            sql("DELETE FROM artifact WHERE artifact.id = ?::uuid", ARTIFACT_DAILY_1);
            sql("DELETE FROM artifact_collection WHERE artifact_collection.key = ?", "daily-report");
        });
    }

    /** The writes of the first eight kinds, in commit order: the scenario Debezium's full capture was taken of. */
    public void firstEightKinds() throws SQLException {
        variables();
        flows();
        blockTypesAndSchemas();
        blockDocuments();
        concurrencyLimitsV2();
        concurrencyLimitsV1();
        artifacts();
        automations();
    }

    public void automations() throws SQLException {
        String trigger = "{\"type\": \"event\", \"id\": \"5b0e1d2e-8a5f-4d0e-9a3a-2c1c9b9d2f11\", "
                + "\"match\": {\"prefect.resource.id\": \"prefect.flow-run.*\"}, \"match_related\": {}, \"after\": [], "
                + "\"expect\": [\"prefect.flow-run.Failed\"], \"for_each\": [\"prefect.resource.id\"], \"posture\": \"Reactive\", "
                + "\"threshold\": 1, \"within\": 0.0}";
        String actions = "[{\"type\": \"send-notification\", \"block_document_id\": \"" + DOC_PROD_CREDS + "\", "
                + "\"subject\": \"Prefect automated notification\", \"body\": \"Flow run {{ flow_run.name }} failed\"}, "
                + "{\"type\": \"run-deployment\", \"source\": \"selected\", \"deployment_id\": \"8192a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7\", "
                + "\"parameters\": {\"date\": \"today\"}, \"job_variables\": null, \"schedule_after\": 0.0}]";
        sql(
                "INSERT INTO automation (name, description, enabled, trigger, actions, actions_on_trigger, actions_on_resolve, "
                        + "id, created, updated, tags) VALUES (?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?::uuid, "
                        + "?::timestamptz, ?::timestamptz, ?::jsonb)",
                "Notify on failure",
                "",
                true,
                trigger,
                actions,
                "[]",
                "[]",
                AUTOMATION,
                "2026-06-05T13:01:54.120001Z",
                "2026-06-05T13:01:54.120004Z",
                "[]");
        sql(
                "UPDATE automation SET enabled = ?, updated = ?::timestamptz WHERE automation.id = ?::uuid",
                false,
                tick(),
                AUTOMATION);
        sql("DELETE FROM automation WHERE automation.id = ?::uuid", AUTOMATION);
    }

    /**
     * Deployments, work pools and work queues, as Prefect's calls write them ({@link PrefectObjectWrites}): a pool and
     * its default queue (the queue's event first), a queue created with a priority (the renumbering is silent),
     * updates, a status change (silent), a deployment with a limit updated in two fields (canonical order), a worker
     * poll (silent), the deployment deleted as it was before its transaction, the pool deleted with its queues (by
     * priority, first) and the flow with its last deployment (silent).
     */
    public void objects() throws SQLException {
        PrefectObjectWrites p = new PrefectObjectWrites(db, now);
        String flow = id(1001);
        String pool = id(1002);
        String defaultQueue = id(1003);
        String urgent = id(1004);
        String batch = id(1005);
        String nightly = id(1006);
        String limit = id(1007);
        String adhoc = id(1008);
        p.createFlow(flow, "etl-objects");
        p.createWorkPool(
                pool, "k8s-prod", "kubernetes", "Production cluster", PrefectObjectWrites.K8S_TEMPLATE, defaultQueue);
        p.createWorkQueue(urgent, pool, "urgent", "Latency-sensitive runs", 1, 5, java.util.Map.of(defaultQueue, 2));
        p.patchWorkPool(
                pool,
                PrefectObjectWrites.columns("description", "Production cluster (eu-west-1)", "concurrency_limit", 20));
        p.pauseWorkPool(pool, true, id(1010));
        p.patchWorkQueue(urgent, PrefectObjectWrites.columns("concurrency_limit", 10), java.util.Map.of());
        p.call(() -> {
            p.upsertDeployment(p.deploymentRow(
                    nightly,
                    flow,
                    "nightly",
                    PrefectObjectWrites.columns(
                            "tags",
                            "[\"etl\"]",
                            "parameters",
                            "{\"date\": \"today\"}",
                            "work_queue_id",
                            urgent,
                            "work_queue_name",
                            "urgent")));
            p.insertDeploymentLimit(limit, nightly, 2);
        });
        p.patchDeployment(nightly, PrefectObjectWrites.columns("version", "2.1", "description", "Nightly ETL"));
        p.markDeploymentsReady(nightly);
        p.createWorkQueue(batch, pool, "batch", "", 3, null, java.util.Map.of());
        p.createDeployment(p.deploymentRow(
                adhoc, flow, "adhoc", PrefectObjectWrites.columns("work_queue_id", batch, "work_queue_name", "batch")));
        p.deleteDeployment(nightly, limit);
        p.deleteWorkPool(pool);
        p.deleteFlow(flow);
    }

    private void insertVariable(String id, String name, String valueJson, String tagsJson) throws SQLException {
        String t = tick();
        sql(
                "INSERT INTO variable (name, value, tags, id, created, updated) VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz)",
                name,
                valueJson,
                tagsJson,
                id,
                t,
                t);
    }

    private void insertBlockType(
            String id, String name, String slug, String logoUrl, String docsUrl, String description)
            throws SQLException {
        String t = tick();
        sql(
                "INSERT INTO block_type (name, slug, logo_url, documentation_url, description, code_example, is_protected, id, created, updated) "
                        + "VALUES (?, ?, ?, ?, ?, NULL, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                name,
                slug,
                logoUrl,
                docsUrl,
                description,
                false,
                id,
                t,
                t);
    }

    private void insertBlockSchema(String id, String typeId, String fields, String capabilities, String version)
            throws SQLException {
        String t = tick();
        sql(
                "INSERT INTO block_schema (fields, checksum, block_type_id, capabilities, version, id, created, updated) "
                        + "VALUES (?::jsonb, ?, ?::uuid, ?::jsonb, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                fields,
                "sha256:" + sha256(fields),
                typeId,
                capabilities,
                version,
                id,
                t,
                t);
    }

    private void insertBlockDocument(
            String id, String name, String token, String schemaId, String typeId, String typeName, boolean anonymous)
            throws SQLException {
        String t = tick();
        sql(
                "INSERT INTO block_document (name, data, block_schema_id, block_type_id, is_anonymous, block_type_name, id, created, updated) "
                        + "VALUES (?, ?::jsonb, ?::uuid, ?::uuid, ?, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                name,
                "\"" + token + "\"",
                schemaId,
                typeId,
                anonymous,
                typeName,
                id,
                t,
                t);
    }

    private void updateBlockDocumentData(String id, String plaintext) throws SQLException {
        sql(
                "UPDATE block_document SET data = ?::jsonb, updated = ?::timestamptz WHERE block_document.id = ?::uuid",
                "\"" + token(plaintext) + "\"",
                tick(),
                id);
    }

    private void insertLimitV2(String id, String name, int limit, double decay) throws SQLException {
        String t = tick();
        sql(
                "INSERT INTO concurrency_limit_v2 (active, name, \"limit\", active_slots, denied_slots, slot_decay_per_second, "
                        + "avg_slot_occupancy_seconds, id, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                true,
                name,
                limit,
                0,
                0,
                decay,
                2.0,
                id,
                t,
                t);
    }

    private void createArtifact(
            String artifactId,
            String collectionId,
            String key,
            String type,
            String dataJson,
            String metadataJson,
            String description)
            throws SQLException {
        String t = tick();
        String flowRun = "6f708192-a3b4-4c5d-9e6f-708192a3b4c5";
        sql(
                "INSERT INTO artifact (key, type, data, metadata_, task_run_id, flow_run_id, description, id, created, updated) "
                        + "VALUES (?, ?, ?::json, ?::json, NULL, ?::uuid, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                key,
                type,
                dataJson,
                metadataJson,
                flowRun,
                description,
                artifactId,
                t,
                t);
        sql(
                "INSERT INTO artifact_collection (key, latest_id, task_run_id, flow_run_id, type, data, description, metadata_, id, created, updated) "
                        + "VALUES (?, ?::uuid, NULL, ?::uuid, ?, ?::json, ?, ?::json, ?::uuid, ?::timestamptz, ?::timestamptz) "
                        + "ON CONFLICT (key) DO UPDATE SET latest_id = excluded.latest_id, task_run_id = excluded.task_run_id, "
                        + "flow_run_id = excluded.flow_run_id, type = excluded.type, data = excluded.data, "
                        + "description = excluded.description, metadata_ = excluded.metadata_, updated = excluded.updated",
                key,
                artifactId,
                flowRun,
                type,
                dataJson,
                description,
                metadataJson,
                collectionId,
                t,
                t);
    }

    private static String secretishFields(String title) {
        return "{\"type\": \"object\", \"title\": \"" + title + "\", \"properties\": {"
                + "\"username\": {\"type\": \"string\", \"title\": \"Username\"}, "
                + "\"password\": {\"type\": \"string\", \"title\": \"Password\", \"format\": \"password\", \"writeOnly\": true}, "
                + "\"port\": {\"type\": \"integer\", \"title\": \"Port\"}, \"options\": {\"type\": \"object\", \"title\": \"Options\"}, "
                + "\"api_key\": {\"type\": \"object\", \"title\": \"Api Key\", \"additionalProperties\": "
                + "{\"type\": \"string\", \"format\": \"password\", \"writeOnly\": true}}}, \"required\": [\"username\"], "
                + "\"secret_fields\": [\"password\", \"api_key.*\"], \"block_type_slug\": \"secretish\"}";
    }

    private String token(String plaintext) {
        fernetSeed++;
        return FernetTokens.encrypt(FERNET_KEY, plaintext, 1780664514L + fernetSeed, FernetTokens.iv(fernetSeed));
    }

    private String tick() {
        now = now.plus(Duration.ofMillis(1000).plusNanos(111_000));
        return now.toString();
    }

    private void inTransaction(SqlTransaction.Statements block) throws SQLException {
        SqlTransaction.run(db, block);
    }

    private void sql(String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            statement.executeUpdate();
        }
    }

    public static String id(int n) {
        return String.format("00000000-0000-4000-8000-%012d", n);
    }

    public static String randomText(int length, long seed) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
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
