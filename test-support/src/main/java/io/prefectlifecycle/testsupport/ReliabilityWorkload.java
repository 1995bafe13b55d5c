package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.local.SqlTransaction;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Prefect's writes at volume for the reliability tests: a seeded mix of every captured kind and action, the way the
 * server issues them (single statements, ORM transactions of several statements, upserts, slot churn that Prefect
 * keeps silent, anonymous documents, {@code deployment:} limits, Fernet-encrypted block data), in many small
 * transactions.
 *
 * <p>It knows what must come out without asking the app: it counts the committed row changes per table and
 * operation, and the events they must become per event name, by Prefect's rules (one event per row per transaction,
 * silences as in Prefect). Rows touched by one transaction are distinct, except in the two cases written on purpose
 * (created and updated: one {@code created}; created and deleted: nothing). {@link Expected#events()} is the
 * shared model ({@link ExpectedEvents}), counted per name; the ids and bytes are checked against {@code transform}
 * ({@link ExactlyOnceCheck#compare}).
 */
public final class ReliabilityWorkload {
    /** The last write: its event tells a reader the workload's events are (nearly) all out. */
    public static final String SENTINEL = "00000000-0000-4000-8fff-ffffffffffff";

    private static final String FLOW_RUN = "6f708192-a3b4-4c5d-9e6f-708192a3b4c5";
    private static final String SECRET_SCHEMA_FIELDS = "{\"type\": \"object\", \"title\": \"Creds\", \"properties\": {"
            + "\"username\": {\"type\": \"string\"}, \"password\": {\"type\": \"string\", \"format\": \"password\", "
            + "\"writeOnly\": true}}, \"required\": [\"username\"], \"secret_fields\": [\"password\"], "
            + "\"block_type_slug\": \"creds\", \"block_schema_references\": {}}";
    private static final String TRIGGER = "{\"type\": \"event\", \"id\": \"5b0e1d2e-8a5f-4d0e-9a3a-2c1c9b9d2f11\", "
            + "\"match\": {\"prefect.resource.id\": \"prefect.flow-run.*\"}, \"match_related\": {}, \"after\": [], "
            + "\"expect\": [\"prefect.flow-run.Failed\"], \"for_each\": [\"prefect.resource.id\"], "
            + "\"posture\": \"Reactive\", \"threshold\": 1, \"within\": 0.0}";

    /** What the workload committed, and what that must become. */
    public record Expected(
            long transactions, long changes, Map<String, Map<String, Long>> changesByTable, ExpectedEvents events) {}

    private final Connection db;
    private final Random random;
    private final AtomicLong changesWritten = new AtomicLong();
    private final Map<String, Map<String, Long>> changesByTable = new TreeMap<>();
    private final Map<String, Long> eventsByName = new TreeMap<>();
    private final Map<String, PreparedStatement> statements = new LinkedHashMap<>();
    private long transactions;
    private long serial;
    private Instant clock = Instant.parse("2026-06-05T13:00:00.000001Z");

    // the committed rows, as the workload left them
    private final List<String> variables = new ArrayList<>();
    private final List<String> flows = new ArrayList<>();
    private final List<String> blockTypes = new ArrayList<>();
    private final List<String[]> blockSchemas = new ArrayList<>(); // {schema id, type id, type name}
    private final List<Document> documents = new ArrayList<>();
    private final List<Limit> limitsV2 = new ArrayList<>();
    private final Map<String, String> limitsV1 = new LinkedHashMap<>(); // tag -> id
    private final Map<String, Deque<String>> artifacts = new LinkedHashMap<>(); // key -> artifact ids, latest last
    private final List<String> automations = new ArrayList<>();

    private record Document(String id, String schemaId, String typeId, String typeName, boolean anonymous) {}

    private record Limit(String id, boolean deploymentScoped) {}

    /** The changes and events of the open transaction, counted on commit. */
    private final List<String[]> pendingChanges = new ArrayList<>(); // {table, op}

    private final List<String> pendingEvents = new ArrayList<>();
    private final Set<String> touched = new HashSet<>();

    public ReliabilityWorkload(Connection db, long seed) throws SQLException {
        this.db = db;
        this.random = new Random(seed);
        db.setAutoCommit(false);
    }

    /** Committed row changes so far (readable from another thread). */
    public long changesWritten() {
        return changesWritten.get();
    }

    /**
     * Writes at least {@code changes} committed row changes, then the sentinel.
     *
     * @param perSecond the pace in changes per second, 0 for as fast as PostgreSQL takes them
     */
    public Expected run(long changes, int perSecond) throws SQLException, InterruptedException {
        long start = System.nanoTime();
        setUp();
        while (changesWritten.get() < changes) {
            if (random.nextInt(100) < 12) {
                int statements = 2 + random.nextInt(4);
                for (int i = 0; i < statements; i++) {
                    oneOperation();
                }
            } else {
                oneOperation();
            }
            commit();
            if (perSecond > 0) {
                long due = start + changesWritten.get() * 1_000_000_000L / perSecond;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
        }
        insertVariable(SENTINEL, "reliability_sentinel");
        commit();
        for (PreparedStatement statement : statements.values()) {
            statement.close();
        }
        return new Expected(transactions, changesWritten.get(), changesByTable, ExpectedEvents.ofCounts(eventsByName));
    }

    /** The first encryption key, as Prefect creates it; block types and schemas for the documents. */
    private void setUp() throws SQLException {
        String t = tick();
        sql(
                "INSERT INTO configuration (key, value, id, created, updated) VALUES (?, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz)",
                "ENCRYPTION_KEY",
                "{\"fernet_key\": \"" + PrefectScenario.FERNET_KEY + "\"}",
                newId(),
                t,
                t);
        change("configuration", "c");
        commit();
        for (int i = 0; i < 3; i++) {
            String type = newId();
            String name = "Creds " + i;
            t = tick();
            sql(
                    "INSERT INTO block_type (name, slug, logo_url, documentation_url, description, code_example, is_protected, id, created, updated) "
                            + "VALUES (?, ?, NULL, NULL, ?, NULL, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                    name,
                    "creds-" + i,
                    "Credentials " + i,
                    false,
                    type,
                    t,
                    t);
            change("block_type", "c");
            event("block-type", "created");
            String fields = SECRET_SCHEMA_FIELDS.replace("\"Creds\"", "\"" + name + "\"");
            String schema = newId();
            t = tick();
            sql(
                    "INSERT INTO block_schema (fields, checksum, block_type_id, capabilities, version, id, created, updated) "
                            + "VALUES (?::jsonb, ?, ?::uuid, ?::jsonb, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                    fields,
                    "sha256:reliability-" + i,
                    type,
                    "[]",
                    "1.0.0",
                    schema,
                    t,
                    t);
            change("block_schema", "c"); // a lookup table: no event of its own
            commit();
            blockTypes.add(type);
            blockSchemas.add(new String[] {schema, type, name});
        }
    }

    /** One statement or ORM unit of work; all rows it touches are new to the open transaction. */
    private void oneOperation() throws SQLException {
        int dice = random.nextInt(100);
        if (dice < 14) {
            insertVariable(newId(), "var_" + serial);
        } else if (dice < 22) {
            updateVariable();
        } else if (dice < 26) {
            deleteVariable();
        } else if (dice < 31) {
            createFlow();
        } else if (dice < 35) {
            updateFlow();
        } else if (dice < 37) {
            deleteFlow();
        } else if (dice < 43) {
            createDocument(random.nextInt(8) == 0);
        } else if (dice < 47) {
            updateDocument();
        } else if (dice < 49) {
            deleteDocument();
        } else if (dice < 50) {
            updateBlockType();
        } else if (dice < 53) {
            createLimitV2();
        } else if (dice < 62) {
            slotChurn();
        } else if (dice < 65) {
            changeLimitV2();
        } else if (dice < 66) {
            deleteLimitV2();
        } else if (dice < 71) {
            upsertLimitV1();
        } else if (dice < 73) {
            limitV1ActiveSlots();
        } else if (dice < 74) {
            deleteLimitV1();
        } else if (dice < 81) {
            createArtifact();
        } else if (dice < 84) {
            deleteArtifact();
        } else if (dice < 87) {
            createAutomation();
        } else if (dice < 89) {
            updateAutomation();
        } else if (dice < 90) {
            deleteAutomation();
        } else if (dice < 95) {
            variableCreatedThenUpdated();
        } else if (dice < 97) {
            flowCreatedThenDeleted();
        } else {
            existingFlowNameIgnored();
        }
    }

    // ---- variables

    private void insertVariable(String id, String name) throws SQLException {
        String t = tick();
        sql(
                "INSERT INTO variable (name, value, tags, id, created, updated) VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz)",
                name,
                value(),
                "[\"reliability\"]",
                id,
                t,
                t);
        touch(id);
        change("variable", "c");
        event("variable", "created");
        variables.add(id);
    }

    private void updateVariable() throws SQLException {
        String id = pickUntouched(variables);
        if (id == null) {
            insertVariable(newId(), "var_" + serial);
            return;
        }
        sql(
                "UPDATE variable SET value = ?::jsonb, tags = ?::jsonb, updated = ?::timestamptz WHERE variable.id = ?::uuid",
                value(),
                "[\"reliability\", \"v" + random.nextInt(9) + "\"]",
                tick(),
                id);
        change("variable", "u");
        event("variable", "updated");
    }

    private void deleteVariable() throws SQLException {
        deleteById("variable", variables, () -> insertVariable(newId(), "var_" + serial));
    }

    /** Two statements on one row in one transaction: Prefect's bus sees both, the CDC one created event. */
    private void variableCreatedThenUpdated() throws SQLException {
        String id = newId();
        insertVariable(id, "var_" + serial);
        sql(
                "UPDATE variable SET value = ?::jsonb, updated = ?::timestamptz WHERE variable.id = ?::uuid",
                value(),
                tick(),
                id);
        change("variable", "u"); // coalesced into the created event
    }

    private String value() {
        return switch (random.nextInt(4)) {
            case 0 -> Integer.toString(random.nextInt(100_000));
            case 1 -> "\"" + PrefectScenario.randomText(8 + random.nextInt(40), random.nextLong()) + "\"";
            case 2 -> "{\"host\": \"db" + random.nextInt(9) + "\", \"port\": " + (5000 + random.nextInt(1000)) + "}";
            default -> random.nextBoolean() ? "true" : "[1, 2.5, null]";
        };
    }

    // ---- flows

    private void createFlow() throws SQLException {
        String id = newId();
        String t = tick();
        sql(
                "INSERT INTO flow (name, tags, labels, id, created, updated) VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz) "
                        + "ON CONFLICT (name) DO NOTHING",
                "flow-" + id,
                "[]",
                "{}",
                id,
                t,
                t);
        touch(id);
        change("flow", "c");
        event("flow", "created");
        flows.add(id);
    }

    /** create_flow on a name that exists: ON CONFLICT DO NOTHING changes no row. */
    private void existingFlowNameIgnored() throws SQLException {
        String existing = pick(flows);
        if (existing == null) {
            createFlow();
            return;
        }
        String t = tick();
        sql(
                "INSERT INTO flow (name, tags, labels, id, created, updated) VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz) "
                        + "ON CONFLICT (name) DO NOTHING",
                "flow-" + existing,
                "[]",
                "{}",
                newId(),
                t,
                t);
    }

    private void updateFlow() throws SQLException {
        String id = pickUntouched(flows);
        if (id == null) {
            createFlow();
            return;
        }
        sql(
                "UPDATE flow SET tags = ?::jsonb, labels = ?::jsonb, updated = ?::timestamptz WHERE flow.id = ?::uuid",
                "[\"t" + random.nextInt(5) + "\"]",
                "{\"team\": \"data\", \"tier\": " + random.nextInt(3) + "}",
                tick(),
                id);
        change("flow", "u");
        event("flow", "updated");
    }

    private void deleteFlow() throws SQLException {
        deleteById("flow", flows, () -> createFlow());
    }

    /** Created and deleted by one transaction: nothing for Prefect's subscribers to see. */
    private void flowCreatedThenDeleted() throws SQLException {
        String id = newId();
        String t = tick();
        sql(
                "INSERT INTO flow (name, tags, labels, id, created, updated) VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz)",
                "flow-" + id,
                "[]",
                "{}",
                id,
                t,
                t);
        touch(id);
        sql("DELETE FROM flow WHERE flow.id = ?::uuid", id);
        change("flow", "c");
        change("flow", "d");
    }

    // ---- block types and documents

    private void updateBlockType() throws SQLException {
        String id = pickUntouched(blockTypes);
        if (id == null) {
            createDocument(false);
            return;
        }
        sql(
                "UPDATE block_type SET description = ?, updated = ?::timestamptz WHERE block_type.id = ?::uuid",
                "Credentials, revision " + serial,
                tick(),
                id);
        change("block_type", "u");
        event("block-type", "updated");
    }

    private void createDocument(boolean anonymous) throws SQLException {
        String[] schema = blockSchemas.get(random.nextInt(blockSchemas.size()));
        String id = newId();
        String name = anonymous ? "anonymous-" + id : "creds-" + id;
        String t = tick();
        sql(
                "INSERT INTO block_document (name, data, block_schema_id, block_type_id, is_anonymous, block_type_name, id, created, updated) "
                        + "VALUES (?, ?::jsonb, ?::uuid, ?::uuid, ?, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                name,
                "\"" + token() + "\"",
                schema[0],
                schema[1],
                anonymous,
                schema[2],
                id,
                t,
                t);
        touch(id);
        change("block_document", "c");
        if (!anonymous) {
            event("block-document", "created");
        }
        documents.add(new Document(id, schema[0], schema[1], schema[2], anonymous));
    }

    private void updateDocument() throws SQLException {
        Document document = pickUntouched(documents, Document::id);
        if (document == null) {
            createDocument(false);
            return;
        }
        sql(
                "UPDATE block_document SET data = ?::jsonb, updated = ?::timestamptz WHERE block_document.id = ?::uuid",
                "\"" + token() + "\"",
                tick(),
                document.id());
        change("block_document", "u");
        if (!document.anonymous()) {
            event("block-document", "updated");
        }
    }

    private void deleteDocument() throws SQLException {
        Document document = pickUntouched(documents, Document::id);
        if (document == null) {
            createDocument(false);
            return;
        }
        sql("DELETE FROM block_document WHERE block_document.id = ?::uuid", document.id());
        change("block_document", "d");
        if (!document.anonymous()) {
            event("block-document", "deleted");
        }
        documents.remove(document);
    }

    /** Block data as Prefect stores it: a Fernet token of the JSON, under the key in {@code configuration}. */
    private String token() {
        String plaintext = "{\"username\": \"user" + random.nextInt(1000) + "\", \"password\": \"pw-"
                + PrefectScenario.randomText(12, random.nextLong()) + "\"}";
        return FernetTokens.encrypt(
                PrefectScenario.FERNET_KEY, plaintext, 1_780_664_514L + serial, FernetTokens.iv((int) serial));
    }

    // ---- concurrency limits

    private void createLimitV2() throws SQLException {
        String id = newId();
        boolean deploymentScoped = random.nextInt(5) == 0;
        String name = deploymentScoped ? "deployment:" + id : "tag:" + id;
        String t = tick();
        sql(
                "INSERT INTO concurrency_limit_v2 (active, name, \"limit\", active_slots, denied_slots, slot_decay_per_second, "
                        + "avg_slot_occupancy_seconds, id, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                true,
                name,
                1 + random.nextInt(20),
                0,
                0,
                0.0,
                2.0,
                id,
                t,
                t);
        touch(id);
        change("concurrency_limit_v2", "c");
        if (!deploymentScoped) {
            event("concurrency-limit", "created");
        }
        limitsV2.add(new Limit(id, deploymentScoped));
    }

    /** bulk_increment_active_slots: one statement over several limits, no event in Prefect. */
    private void slotChurn() throws SQLException {
        List<Limit> picked = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Limit limit = pickUntouched(limitsV2, Limit::id);
            if (limit != null) {
                touch(limit.id());
                picked.add(limit);
            }
        }
        if (picked.isEmpty()) {
            createLimitV2();
            return;
        }
        String column = random.nextBoolean() ? "active_slots" : "denied_slots";
        StringBuilder in = new StringBuilder();
        List<Object> params = new ArrayList<>(List.of(1, tick()));
        for (Limit limit : picked) {
            in.append(in.isEmpty() ? "" : ", ").append("?::uuid");
            params.add(limit.id());
        }
        sql(
                "UPDATE concurrency_limit_v2 SET " + column + " = concurrency_limit_v2." + column + " + ?, "
                        + "updated = ?::timestamptz WHERE concurrency_limit_v2.id IN (" + in + ")",
                params.toArray());
        for (int i = 0; i < picked.size(); i++) {
            change("concurrency_limit_v2", "u");
        }
    }

    private void changeLimitV2() throws SQLException {
        Limit limit = pickUntouched(limitsV2, Limit::id);
        if (limit == null) {
            createLimitV2();
            return;
        }
        sql(
                "UPDATE concurrency_limit_v2 SET \"limit\" = ?, active = ?, updated = ?::timestamptz WHERE concurrency_limit_v2.id = ?::uuid",
                (int) (21 + ++serial),
                random.nextBoolean(),
                tick(),
                limit.id()); // a new limit: never churn
        change("concurrency_limit_v2", "u");
        if (!limit.deploymentScoped()) {
            event("concurrency-limit", "updated");
        }
    }

    private void deleteLimitV2() throws SQLException {
        Limit limit = pickUntouched(limitsV2, Limit::id);
        if (limit == null) {
            createLimitV2();
            return;
        }
        sql("DELETE FROM concurrency_limit_v2 WHERE concurrency_limit_v2.id = ?::uuid", limit.id());
        change("concurrency_limit_v2", "d");
        if (!limit.deploymentScoped()) {
            event("concurrency-limit", "deleted");
        }
        limitsV2.remove(limit);
    }

    /** The v1 API's upsert by tag: a new tag is a created limit, a known one an updated limit. */
    private void upsertLimitV1() throws SQLException {
        List<String> tags = new ArrayList<>(limitsV1.keySet());
        String tag = random.nextInt(3) == 0 ? pickUntouched(tags, limitsV1::get) : null;
        boolean exists = tag != null;
        if (!exists) {
            tag = "legacy-" + serial;
        }
        String id = exists ? limitsV1.get(tag) : newId();
        String t = tick();
        sql(
                "INSERT INTO concurrency_limit (tag, concurrency_limit, active_slots, id, created, updated) "
                        + "VALUES (?, ?, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz) ON CONFLICT (tag) DO UPDATE SET "
                        + "concurrency_limit = excluded.concurrency_limit, updated = excluded.updated",
                tag,
                1 + random.nextInt(50),
                "[]",
                exists ? newId() : id,
                t,
                t);
        touch(id);
        change("concurrency_limit", exists ? "u" : "c");
        event("concurrency-limit", exists ? "updated" : "created");
        limitsV1.putIfAbsent(tag, id);
    }

    /** Taking or releasing a v1 slot: only active_slots changes, Prefect says nothing. */
    private void limitV1ActiveSlots() throws SQLException {
        String tag = pickUntouched(new ArrayList<>(limitsV1.keySet()), limitsV1::get);
        if (tag == null) {
            upsertLimitV1();
            return;
        }
        sql(
                "UPDATE concurrency_limit SET active_slots = ?::jsonb, updated = ?::timestamptz WHERE concurrency_limit.id = ?::uuid",
                "[\"" + newId() + "\"]",
                tick(),
                limitsV1.get(tag));
        change("concurrency_limit", "u");
    }

    private void deleteLimitV1() throws SQLException {
        String tag = pickUntouched(new ArrayList<>(limitsV1.keySet()), limitsV1::get);
        if (tag == null) {
            upsertLimitV1();
            return;
        }
        sql("DELETE FROM concurrency_limit WHERE concurrency_limit.tag = ?", tag);
        change("concurrency_limit", "d");
        event("concurrency-limit", "deleted");
        limitsV1.remove(tag);
    }

    // ---- artifacts (the artifact table is not captured; its collection is)

    /** create_artifact: the artifact and the upsert of its collection, in the ORM's transaction. */
    private void createArtifact() throws SQLException {
        List<String> keys = new ArrayList<>(artifacts.keySet());
        String key = random.nextBoolean() ? pickUntouched(keys, k -> "collection:" + k) : null;
        boolean exists = key != null;
        if (!exists) {
            key = "report-" + serial;
        }
        String artifact = newId();
        String t = tick();
        String data = "\"# Report " + serial + "\"";
        sql(
                "INSERT INTO artifact (key, type, data, metadata_, task_run_id, flow_run_id, description, id, created, updated) "
                        + "VALUES (?, ?, ?::json, NULL, NULL, ?::uuid, ?, ?::uuid, ?::timestamptz, ?::timestamptz)",
                key,
                "markdown",
                data,
                FLOW_RUN,
                "Nightly report",
                artifact,
                t,
                t);
        sql(
                "INSERT INTO artifact_collection (key, latest_id, task_run_id, flow_run_id, type, data, description, metadata_, id, created, updated) "
                        + "VALUES (?, ?::uuid, NULL, ?::uuid, ?, ?::json, ?, NULL, ?::uuid, ?::timestamptz, ?::timestamptz) "
                        + "ON CONFLICT (key) DO UPDATE SET latest_id = excluded.latest_id, task_run_id = excluded.task_run_id, "
                        + "flow_run_id = excluded.flow_run_id, type = excluded.type, data = excluded.data, "
                        + "description = excluded.description, metadata_ = excluded.metadata_, updated = excluded.updated",
                key,
                artifact,
                FLOW_RUN,
                "markdown",
                data,
                "Nightly report",
                newId(),
                t,
                t);
        touch("collection:" + key);
        change("artifact_collection", exists ? "u" : "c");
        event("artifact-collection", exists ? "updated" : "created");
        artifacts.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(artifact);
    }

    /** delete_artifact of the latest version: the collection falls back to the previous one, or goes. */
    private void deleteArtifact() throws SQLException {
        String key = pickUntouched(new ArrayList<>(artifacts.keySet()), k -> "collection:" + k);
        if (key == null) {
            createArtifact();
            return;
        }
        Deque<String> versions = artifacts.get(key);
        sql("DELETE FROM artifact WHERE artifact.id = ?::uuid", versions.removeLast());
        if (versions.isEmpty()) {
            sql("DELETE FROM artifact_collection WHERE artifact_collection.key = ?", key);
            change("artifact_collection", "d");
            event("artifact-collection", "deleted");
            artifacts.remove(key);
        } else {
            sql(
                    "UPDATE artifact_collection SET latest_id = ?::uuid, data = ?::json, updated = ?::timestamptz "
                            + "WHERE artifact_collection.key = ?",
                    versions.getLast(),
                    "\"# Report (previous)\"",
                    tick(),
                    key);
            change("artifact_collection", "u");
            event("artifact-collection", "updated");
        }
    }

    // ---- automations

    private void createAutomation() throws SQLException {
        String id = newId();
        String actions = "[{\"type\": \"run-deployment\", \"source\": \"selected\", \"deployment_id\": \"" + newId()
                + "\", \"parameters\": {\"n\": " + serial + "}, \"job_variables\": null, \"schedule_after\": 0.0}]";
        sql(
                "INSERT INTO automation (name, description, enabled, trigger, actions, actions_on_trigger, actions_on_resolve, "
                        + "id, created, updated, tags) VALUES (?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?::uuid, "
                        + "?::timestamptz, ?::timestamptz, ?::jsonb)",
                "automation " + serial,
                "",
                true,
                TRIGGER,
                actions,
                "[]",
                "[]",
                id,
                tick(),
                tick(),
                "[]");
        touch(id);
        change("automation", "c");
        event("automation", "created");
        automations.add(id);
    }

    private void updateAutomation() throws SQLException {
        String id = pickUntouched(automations);
        if (id == null) {
            createAutomation();
            return;
        }
        sql(
                "UPDATE automation SET enabled = ?, updated = ?::timestamptz WHERE automation.id = ?::uuid",
                random.nextBoolean(),
                tick(),
                id);
        change("automation", "u");
        event("automation", "updated");
    }

    private void deleteAutomation() throws SQLException {
        deleteById("automation", automations, () -> createAutomation());
    }

    // ---- bookkeeping

    /**
     * Deletes a row of {@code table} (whose event kind has the table's name) picked from {@code ids} among those this
     * transaction has not touched; when every one is touched, {@code createInstead} writes a new row.
     */
    private void deleteById(String table, List<String> ids, SqlTransaction.Statements createInstead)
            throws SQLException {
        String id = pickUntouched(ids);
        if (id == null) {
            createInstead.run();
            return;
        }
        sql("DELETE FROM " + table + " WHERE " + table + ".id = ?::uuid", id);
        change(table, "d");
        event(table, "deleted");
        ids.remove(id);
    }

    private void commit() throws SQLException {
        db.commit();
        transactions++;
        for (String[] c : pendingChanges) {
            changesByTable.computeIfAbsent(c[0], t -> new TreeMap<>()).merge(c[1], 1L, Long::sum);
        }
        changesWritten.addAndGet(pendingChanges.size());
        for (String name : pendingEvents) {
            eventsByName.merge(name, 1L, Long::sum);
        }
        pendingChanges.clear();
        pendingEvents.clear();
        touched.clear();
    }

    private void change(String table, String op) {
        pendingChanges.add(new String[] {table, op});
    }

    private void event(String kind, String action) {
        pendingEvents.add("prefect." + kind + "." + action);
    }

    private void touch(String rowKey) {
        touched.add(rowKey);
    }

    private String pick(List<String> rows) {
        return rows.isEmpty() ? null : rows.get(random.nextInt(rows.size()));
    }

    private String pickUntouched(List<String> rows) {
        return pickUntouched(rows, id -> id);
    }

    /** A random row the open transaction has not touched yet (and now touches), or null. */
    private <T> T pickUntouched(List<T> rows, Function<T, String> rowKey) {
        for (int attempt = 0; attempt < 5 && !rows.isEmpty(); attempt++) {
            T row = rows.get(random.nextInt(rows.size()));
            if (touched.add(rowKey.apply(row))) {
                return row;
            }
        }
        return null;
    }

    private String newId() {
        serial++;
        return String.format(
                "%08x-%04x-4%03x-8%03x-%012x",
                random.nextInt(), random.nextInt(1 << 16), random.nextInt(1 << 12), random.nextInt(1 << 12), serial);
    }

    private String tick() {
        clock = clock.plus(Duration.ofNanos(1_001_000));
        return clock.toString();
    }

    private void sql(String sql, Object... params) throws SQLException {
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            statement = db.prepareStatement(sql);
            statements.put(sql, statement);
        }
        for (int i = 0; i < params.length; i++) {
            statement.setObject(i + 1, params[i]);
        }
        statement.executeUpdate();
    }
}
