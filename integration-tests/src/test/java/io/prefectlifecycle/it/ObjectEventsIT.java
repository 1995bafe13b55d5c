package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.cli.DatabaseCoordinates;
import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.local.LocalStack;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.testsupport.AppUnderTest;
import io.prefectlifecycle.testsupport.CdcCapture;
import io.prefectlifecycle.testsupport.CdcCapture.Captured;
import io.prefectlifecycle.testsupport.CommittedRecords;
import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import io.prefectlifecycle.testsupport.PhaseTimings;
import io.prefectlifecycle.testsupport.PipelineScenario;
import io.prefectlifecycle.testsupport.PrefectObjectWrites;
import io.prefectlifecycle.testsupport.PrefectRelease;
import io.prefectlifecycle.testsupport.PrefectScenario;
import io.prefectlifecycle.topology.TopologySettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.prefectlifecycle.testsupport.PrefectObjectWrites.K8S_TEMPLATE;
import static io.prefectlifecycle.testsupport.PrefectObjectWrites.STORAGE_NULLS;
import static io.prefectlifecycle.testsupport.PrefectObjectWrites.columns;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Deployments, work pools and work queues through the real pipeline (PostgreSQL → Debezium → Kafka → the app): one
 * case per rule of prefect-object-events.md §4, each Prefect's writes for it ({@link PrefectObjectWrites}), each
 * checked for the events it must give (names and resource names, in order) and, byte for byte apart from
 * {@code occurred} and {@code id}, for the reviewed golden events of {@code golden/<kind>/<case>/expected.jsonl}.
 * With {@code -Dgolden.capture=true} each case's captured records (its transactions, in commit order, as
 * {@link CdcCapture} reads them from the change stream) are written as the case's {@code input.jsonl}; then
 * {@code GoldenCasesTest -Dgolden.update=true} writes the expected events, to be reviewed.
 *
 * <p>A second stack runs the oldest tables accepted (Prefect 2.10.0, {@code schemas/prefect-postgres-2.10.0.sql}),
 * the newest being the first stack's ({@code schemas/prefect-postgres.sql}).
 */
class ObjectEventsIT {

    private static final boolean CAPTURE = Boolean.getBoolean("golden.capture");
    private static final String TYPE = "00000000-0000-4000-8000-0000000b1001";
    private static final String SCHEMA = "00000000-0000-4000-8000-0000000b1002";
    private static final String SENTINEL = "00000000-0000-4000-8000-0000000b1999";

    /** The writes of one case: {@code prefect} records its transactions; {@code setUp} ones are left out of the golden. */
    interface Writes {
        void run(PrefectObjectWrites prefect, Ids ids, SetUp setUp) throws SQLException;
    }

    interface SetUp {
        /** Writes whose records stay out of the case's golden input: the case starts from what they leave unseen. */
        void notInGolden(PrefectObjectWrites.Statements step) throws SQLException;
    }

    /** Object ids of one case: {@code 000000<case>-0000-4000-8000-<n>}. */
    record Ids(int number) {
        String id(int n) {
            return String.format("%08d-0000-4000-8000-%012d", number, n);
        }
    }

    /**
     * @param events      what the live pipeline emits for the case's writes, as {@code <event> <resource name>}
     * @param deadLetters parts of the reasons of the dead letters its golden input gives, in order: the live pipeline
     *                    has seen every row, the golden input lacks what {@link SetUp#notInGolden} wrote
     */
    record Case(int number, String kind, String name, Writes writes, List<String> events, List<String> deadLetters) {
        Path dir() {
            return ProjectPaths.goldenCases().resolve(kind).resolve(name);
        }
    }

    @Test
    void everyRuleOfTheContractFromPrefectsWrites() throws Exception {
        run(cases(), "current tables", stack -> stack.postgres().coordinates());
    }

    /**
     * The oldest tables accepted (§6.3): Prefect 2.10.0's ({@code schemas/prefect-postgres-2.10.0.sql}), written as
     * that release writes them (no status columns, no storage configuration, the schedule columns, no paused).
     */
    @Test
    void theOldestTablesAccepted() throws Exception {
        run(
                List.of(prefect2100()),
                "Prefect 2.10.0 tables",
                stack -> stack.postgres().createDatabase(PrefectRelease.V2_10_0.id(), PrefectRelease.V2_10_0.ddl()));
    }

    /** The database the case writes to, in the stack: made before the connector is registered. */
    interface Database {
        DatabaseCoordinates create(LocalStack stack) throws SQLException, IOException;
    }

    private static Case prefect2100() {
        return new Case(
                401,
                "deployment",
                "prefect-2.10.0-tables",
                (p, ids, setUp) -> {
                    // POST /flows/ of 2.10: flow has no labels yet
                    p.call(() -> p.insert(
                            "flow",
                            columns(
                                    "id",
                                    ids.id(9),
                                    "created",
                                    p.time(),
                                    "updated",
                                    p.time(),
                                    "name",
                                    "etl-2-10",
                                    "tags",
                                    "[]")));
                    p.call(() -> {
                        p.insert(
                                "work_pool",
                                columns(
                                        "id",
                                        ids.id(1),
                                        "created",
                                        p.time(),
                                        "updated",
                                        p.time(),
                                        "name",
                                        "agents",
                                        "description",
                                        null,
                                        "type",
                                        "prefect-agent",
                                        "base_job_template",
                                        "{}",
                                        "is_paused",
                                        false,
                                        "concurrency_limit",
                                        null));
                        p.insert(
                                "work_queue",
                                columns(
                                        "id",
                                        ids.id(2),
                                        "created",
                                        p.time(),
                                        "updated",
                                        p.time(),
                                        "name",
                                        "default",
                                        "filter",
                                        null,
                                        "description",
                                        "The work pool's default queue.",
                                        "is_paused",
                                        false,
                                        "concurrency_limit",
                                        null,
                                        "priority",
                                        1,
                                        "work_pool_id",
                                        ids.id(1)));
                        p.update("work_pool", ids.id(1), columns("default_queue_id", ids.id(2), "updated", p.time()));
                    });
                    p.patchWorkPool(ids.id(1), columns("description", "Agents of Prefect 2.10"));
                    p.call(() -> p.insert(
                            "work_queue",
                            columns(
                                    "id",
                                    ids.id(3),
                                    "created",
                                    p.time(),
                                    "updated",
                                    p.time(),
                                    "name",
                                    "urgent",
                                    "filter",
                                    null,
                                    "description",
                                    "",
                                    "is_paused",
                                    false,
                                    "concurrency_limit",
                                    3,
                                    "priority",
                                    2,
                                    "work_pool_id",
                                    ids.id(1))));
                    p.call(() -> p.insert(
                            "deployment",
                            columns(
                                    "id",
                                    ids.id(4),
                                    "created",
                                    p.time(),
                                    "updated",
                                    p.time(),
                                    "name",
                                    "nightly",
                                    "schedule",
                                    "{\"interval\": 3600.0, \"anchor_date\": \"2026-06-05T14:00:00+00:00\", "
                                            + "\"timezone\": \"UTC\"}",
                                    "is_schedule_active",
                                    true,
                                    "tags",
                                    "[\"etl\"]",
                                    "parameters",
                                    "{}",
                                    "flow_data",
                                    null,
                                    "flow_id",
                                    ids.id(9),
                                    "infrastructure_document_id",
                                    null,
                                    "description",
                                    null,
                                    "manifest_path",
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
                                    ".",
                                    "entrypoint",
                                    "etl.py:nightly",
                                    "work_queue_name",
                                    "urgent",
                                    "created_by",
                                    null,
                                    "updated_by",
                                    null,
                                    "work_queue_id",
                                    ids.id(3),
                                    "pull_steps",
                                    null)));
                    // PATCH {"is_schedule_active": false}: 2.10's pause, not an event field
                    p.patchDeployment(ids.id(4), columns("is_schedule_active", false));
                    p.patchDeployment(ids.id(4), columns("description", "Nightly ETL", "tags", "[\"etl\", \"prod\"]"));
                    p.call(() -> p.delete("deployment", ids.id(4)));
                    p.deleteWorkPool(ids.id(1));
                },
                List.of(
                        "prefect.flow.created etl-2-10",
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created agents",
                        "prefect.work-pool.updated agents",
                        "prefect.work-queue.created urgent",
                        "prefect.deployment.created nightly",
                        "prefect.deployment.updated nightly",
                        "prefect.deployment.deleted nightly",
                        "prefect.work-queue.deleted default",
                        "prefect.work-queue.deleted urgent",
                        "prefect.work-pool.deleted agents"),
                List.of());
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        // --- work pools
        cases.add(new Case(
                101,
                "work-pool",
                "created-default-queue-first",
                (p, ids, setUp) -> p.createWorkPool(
                        ids.id(1), "k8s-prod", "kubernetes", "Production cluster", K8S_TEMPLATE, ids.id(2)),
                List.of("prefect.work-queue.created default", "prefect.work-pool.created k8s-prod"),
                List.of()));
        cases.add(new Case(
                102,
                "work-pool",
                "updated-fields-in-work-pool-update-order",
                (p, ids, setUp) -> {
                    p.createWorkPool(
                            ids.id(1), "k8s-updated", "kubernetes", "Production cluster", K8S_TEMPLATE, ids.id(2));
                    p.patchWorkPool(
                            ids.id(1),
                            columns("description", "Production cluster (eu-west-1)", "concurrency_limit", 20));
                    p.patchWorkPool(
                            ids.id(1),
                            columns(
                                    "base_job_template",
                                    K8S_TEMPLATE
                                            .replace(
                                                    "\"properties\": {",
                                                    "\"properties\": {\"cpu\": {\"type\": \"number\", \"default\": 0.5}, ")
                                            .replace(
                                                    "\"job_configuration\": {",
                                                    "\"job_configuration\": {\"cpu\": \"{{ cpu }}\", "),
                                    "storage_configuration",
                                    storageWithResultBlock(ids.id(3))));
                },
                List.of(
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created k8s-updated",
                        "prefect.work-pool.updated k8s-updated",
                        "prefect.work-pool.updated k8s-updated"),
                List.of()));
        cases.add(new Case(
                103,
                "work-pool",
                "pause-and-heartbeat-are-silent",
                (p, ids, setUp) -> {
                    p.createWorkPool(ids.id(1), "k8s-status", "kubernetes", null, K8S_TEMPLATE, ids.id(2));
                    p.pauseWorkPool(ids.id(1), true, ids.id(11));
                    p.pauseWorkPool(ids.id(1), false, ids.id(12));
                    p.workerHeartbeat(ids.id(1), ids.id(3), ids.id(13));
                },
                List.of("prefect.work-queue.created default", "prefect.work-pool.created k8s-status"),
                List.of()));
        cases.add(new Case(
                104,
                "work-pool",
                "equal-in-python-is-silent",
                (p, ids, setUp) -> {
                    String template =
                            "{\"variables\": {\"properties\": {\"debug\": {\"type\": \"boolean\", \"default\": false}, "
                                    + "\"retries\": {\"type\": \"integer\", \"default\": 1}}}}";
                    // a pool of a server before 3.2.14: storage_configuration is the column's default {}
                    p.call(() -> {
                        p.insertWorkPoolWithDefaultQueue(
                                ids.id(1), "older-pool", "process", "Older", template, ids.id(2));
                        p.update("work_pool", ids.id(1), columns("storage_configuration", "{}"));
                    });
                    // PATCH storage_configuration {}: Prefect stores the full dump, equal to {} as a model
                    p.patchWorkPool(ids.id(1), columns("storage_configuration", STORAGE_NULLS));
                    // 1 -> 1.0 and false -> 0: equal in Python
                    p.patchWorkPool(
                            ids.id(1),
                            columns(
                                    "base_job_template",
                                    template.replace("\"default\": 1}", "\"default\": 1.0}")
                                            .replace("\"default\": false}", "\"default\": 0}")));
                    // the same description again
                    p.patchWorkPool(ids.id(1), columns("description", "Older"));
                },
                List.of("prefect.work-queue.created default", "prefect.work-pool.created older-pool"),
                List.of()));
        cases.add(new Case(
                105,
                "work-pool",
                "deleted-queues-first-by-priority",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-pools");
                    p.createWorkPool(ids.id(1), "k8s-deleted", "kubernetes", "To be deleted", K8S_TEMPLATE, ids.id(2));
                    p.patchWorkPool(ids.id(1), columns("storage_configuration", storageWithResultBlock(ids.id(8))));
                    p.createWorkQueue(ids.id(3), ids.id(1), "high-priority", "", 1, null, Map.of(ids.id(2), 2));
                    p.createWorkQueue(ids.id(4), ids.id(1), "batch", "", 3, null, Map.of());
                    // moves high-priority's row last in the table: the cascade deletes default, batch, high-priority
                    p.patchWorkQueue(ids.id(3), columns("description", "Runs that cannot wait"), Map.of());
                    p.createDeployment(p.deploymentRow(
                            ids.id(5),
                            ids.id(9),
                            "etl",
                            columns("work_queue_id", ids.id(4), "work_queue_name", "batch")));
                    p.workerHeartbeat(ids.id(1), ids.id(6), ids.id(13));
                    p.deleteWorkPool(ids.id(1));
                },
                List.of(
                        "prefect.flow.created etl-pools",
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created k8s-deleted",
                        "prefect.work-pool.updated k8s-deleted",
                        "prefect.work-queue.created high-priority",
                        "prefect.work-queue.created batch",
                        "prefect.work-queue.updated high-priority",
                        "prefect.deployment.created etl",
                        "prefect.work-queue.deleted high-priority",
                        "prefect.work-queue.deleted default",
                        "prefect.work-queue.deleted batch",
                        "prefect.work-pool.deleted k8s-deleted"),
                List.of()));
        cases.add(new Case(
                106,
                "work-pool",
                "deleted-equal-priorities-in-wal-order",
                (p, ids, setUp) -> {
                    p.createWorkPool(ids.id(1), "tied", "process", null, "{}", ids.id(2));
                    // two queues sharing a priority: Prefect's API keeps them unique, SQL by hand does not
                    p.call(() -> {
                        p.insertWorkQueue(ids.id(3), ids.id(1), "tied-a", "", 2, null);
                        p.insertWorkQueue(ids.id(4), ids.id(1), "tied-b", "", 2, null);
                    });
                    p.deleteWorkPool(ids.id(1));
                },
                List.of(
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created tied",
                        "prefect.work-queue.created tied-a",
                        "prefect.work-queue.created tied-b",
                        "prefect.work-queue.deleted default",
                        "prefect.work-queue.deleted tied-a",
                        "prefect.work-queue.deleted tied-b",
                        "prefect.work-pool.deleted tied"),
                List.of()));
        cases.add(new Case(
                107,
                "work-pool",
                "legacy-queue-api-creates-default-agent-pool",
                (p, ids, setUp) ->
                        // POST /work_queues/ {"name": "legacy-queue"} without a default-agent-pool
                        p.call(() -> {
                            p.insertWorkPoolWithDefaultQueue(
                                    ids.id(1), "default-agent-pool", "prefect-agent", null, "{}", ids.id(2));
                            p.insertWorkQueue(ids.id(3), ids.id(1), "legacy-queue", "", 2, null);
                        }),
                List.of(
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created default-agent-pool",
                        "prefect.work-queue.created legacy-queue"),
                List.of()));
        cases.add(new Case(
                108,
                "work-pool",
                "toasted-template-filled-from-state",
                (p, ids, setUp) -> {
                    String big = "{\"variables\": {\"properties\": {\"script\": {\"type\": \"string\", \"default\": \""
                            + PrefectScenario.randomText(9000, 14) + "\"}}}}";
                    p.createWorkPool(ids.id(1), "big-template", "process", null, big, ids.id(2));
                    // the template is TOASTed and unchanged: pgoutput leaves it out of the update
                    p.patchWorkPool(ids.id(1), columns("description", "A template larger than TOAST's threshold"));
                },
                List.of(
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created big-template",
                        "prefect.work-pool.updated big-template"),
                List.of()));
        // --- work queues
        cases.add(new Case(
                201,
                "work-queue",
                "created-and-updated-renumbering-is-silent",
                (p, ids, setUp) -> {
                    p.createWorkPool(ids.id(1), "k8s-queues", "kubernetes", null, K8S_TEMPLATE, ids.id(2));
                    p.createWorkQueue(
                            ids.id(3),
                            ids.id(1),
                            "high-priority",
                            "Latency-sensitive runs",
                            1,
                            5,
                            Map.of(ids.id(2), 2));
                    p.patchWorkQueue(
                            ids.id(3),
                            columns("name", "urgent", "concurrency_limit", 10, "priority", 2),
                            Map.of(ids.id(2), 3));
                },
                List.of(
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created k8s-queues",
                        "prefect.work-queue.created high-priority",
                        "prefect.work-queue.updated urgent"),
                List.of()));
        cases.add(new Case(
                202,
                "work-queue",
                "priority-only-patch-is-the-target",
                (p, ids, setUp) -> {
                    p.createWorkPool(ids.id(1), "k8s-priorities", "kubernetes", null, K8S_TEMPLATE, ids.id(2));
                    p.createWorkQueue(ids.id(3), ids.id(1), "second", "", 2, null, Map.of());
                    p.patchWorkQueue(ids.id(3), columns("priority", 1), Map.of(ids.id(2), 2));
                },
                List.of(
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created k8s-priorities",
                        "prefect.work-queue.created second",
                        "prefect.work-queue.updated second"),
                List.of()));
        cases.add(new Case(
                203,
                "work-queue",
                "pause-polls-and-status-are-silent",
                (p, ids, setUp) -> {
                    p.createWorkPool(ids.id(1), "k8s-polled", "kubernetes", null, K8S_TEMPLATE, ids.id(2));
                    p.pauseWorkQueue(ids.id(2));
                    p.markWorkQueuesReady(ids.id(2));
                    p.patchWorkQueue(ids.id(2), columns("description", "The work pool's default queue."), Map.of());
                },
                List.of("prefect.work-queue.created default", "prefect.work-pool.created k8s-polled"),
                List.of()));
        cases.add(new Case(
                204,
                "work-queue",
                "deleted-and-set-null-is-silent",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-queues");
                    p.createWorkPool(ids.id(1), "k8s-queue-delete", "kubernetes", null, K8S_TEMPLATE, ids.id(2));
                    p.createWorkQueue(ids.id(3), ids.id(1), "urgent", "", 2, null, Map.of());
                    p.createDeployment(p.deploymentRow(
                            ids.id(4),
                            ids.id(9),
                            "adhoc",
                            columns("work_queue_id", ids.id(3), "work_queue_name", "urgent")));
                    p.deleteWorkQueue(ids.id(3));
                },
                List.of(
                        "prefect.flow.created etl-queues",
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created k8s-queue-delete",
                        "prefect.work-queue.created urgent",
                        "prefect.deployment.created adhoc",
                        "prefect.work-queue.deleted urgent"),
                List.of()));
        cases.add(new Case(
                205,
                "work-queue",
                "unknown-pool-is-a-dead-letter",
                (p, ids, setUp) -> {
                    setUp.notInGolden(
                            () -> p.createWorkPool(ids.id(1), "unseen-pool", "process", null, "{}", ids.id(2)));
                    p.createWorkQueue(ids.id(3), ids.id(1), "orphan", "", 2, null, Map.of());
                },
                List.of(
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created unseen-pool",
                        "prefect.work-queue.created orphan"),
                List.of("unknown work_pool " + new Ids(205).id(1))));
        // --- deployments
        cases.add(new Case(
                301,
                "deployment",
                "created-with-queue-pool-storage-and-limit",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-nightly");
                    p.createWorkPool(ids.id(1), "k8s-deploy", "kubernetes", null, K8S_TEMPLATE, ids.id(2));
                    p.createWorkQueue(ids.id(3), ids.id(1), "urgent", "", 2, null, Map.of());
                    p.createAnonymousDocument(ids.id(7), TYPE, SCHEMA);
                    p.call(() -> {
                        p.upsertDeployment(p.deploymentRow(
                                ids.id(4),
                                ids.id(9),
                                "nightly",
                                columns(
                                        "tags",
                                        "[\"etl\"]",
                                        "parameters",
                                        "{\"date\": \"today\"}",
                                        "storage_document_id",
                                        ids.id(7),
                                        "path",
                                        "/opt/flows",
                                        "entrypoint",
                                        "etl.py:nightly",
                                        "work_queue_name",
                                        "urgent",
                                        "work_queue_id",
                                        ids.id(3))));
                        p.insertDeploymentLimit(ids.id(5), ids.id(4), 2);
                    });
                },
                List.of(
                        "prefect.flow.created etl-nightly",
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created k8s-deploy",
                        "prefect.work-queue.created urgent",
                        "prefect.deployment.created nightly"),
                List.of()));
        cases.add(new Case(
                302,
                "deployment",
                "updated-one-field-each",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-updates");
                    p.createWorkPool(ids.id(1), "k8s-updates", "kubernetes", null, K8S_TEMPLATE, ids.id(2));
                    p.createWorkQueue(ids.id(3), ids.id(1), "urgent", "", 2, null, Map.of());
                    p.createDeployment(p.deploymentRow(
                            ids.id(4),
                            ids.id(9),
                            "nightly",
                            columns("work_queue_id", ids.id(3), "work_queue_name", "urgent")));
                    p.patchDeployment(ids.id(4), columns("description", "Nightly ETL"));
                    p.patchDeployment(
                            ids.id(4),
                            columns("infra_overrides", "{\"image\": \"etl:2.1\", \"env\": {\"LOG_LEVEL\": \"info\"}}"));
                    p.patchDeployment(ids.id(4), columns("paused", true));
                    p.patchDeployment(
                            ids.id(4),
                            columns(
                                    "concurrency_options",
                                    "{\"collision_strategy\": \"CANCEL_NEW\", \"grace_period_seconds\": null}"));
                    p.patchDeployment(ids.id(4), columns("work_queue_id", ids.id(2), "work_queue_name", "default"));
                    p.patchDeployment(
                            ids.id(4),
                            columns("labels", "{\"team\": \"data\", \"prefect.flow.id\": \"" + ids.id(9) + "\"}"));
                    p.patchDeployment(
                            ids.id(4),
                            columns(
                                    "enforce_parameter_schema",
                                    true,
                                    "parameter_openapi_schema",
                                    "{\"type\": \"object\", \"properties\": {\"date\": {\"type\": \"string\"}}}"));
                },
                List.of(
                        "prefect.flow.created etl-updates",
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created k8s-updates",
                        "prefect.work-queue.created urgent",
                        "prefect.deployment.created nightly",
                        "prefect.deployment.updated nightly",
                        "prefect.deployment.updated nightly",
                        "prefect.deployment.updated nightly",
                        "prefect.deployment.updated nightly",
                        "prefect.deployment.updated nightly",
                        "prefect.deployment.updated nightly",
                        "prefect.deployment.updated nightly"),
                List.of()));
        cases.add(new Case(
                303,
                "deployment",
                "updated-fields-in-canonical-order",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-canonical");
                    p.createDeployment(p.deploymentRow(
                            ids.id(4), ids.id(9), "nightly", columns("parameters", "{\"date\": \"today\"}")));
                    // POST /deployments/ again with a version and no parameters: the upsert also resets them
                    p.call(() -> p.upsertDeployment(
                            p.deploymentRow(ids.id(5), ids.id(9), "nightly", columns("version", "2.1"))));
                    p.patchDeployment(
                            ids.id(4),
                            columns(
                                    "version",
                                    "2.2",
                                    "pull_steps",
                                    "[{\"prefect.deployments.steps.git_clone\": {\"repository\": \"https://example.com/etl.git\"}}]",
                                    "entrypoint",
                                    "etl.py:main",
                                    "tags",
                                    "[\"etl\", \"prod\"]",
                                    "description",
                                    "Nightly ETL"));
                },
                List.of(
                        "prefect.flow.created etl-canonical",
                        "prefect.deployment.created nightly",
                        "prefect.deployment.updated nightly",
                        "prefect.deployment.updated nightly"),
                List.of()));
        cases.add(new Case(
                304,
                "deployment",
                "updated-kept-or-no-event-field-is-silent",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-silent");
                    p.createWorkPool(ids.id(1), "k8s-silent", "kubernetes", null, K8S_TEMPLATE, ids.id(2));
                    p.createAnonymousDocument(ids.id(7), TYPE, SCHEMA);
                    p.createDeployment(p.deploymentRow(
                            ids.id(4),
                            ids.id(9),
                            "nightly",
                            columns("tags", "[\"etl\"]", "work_queue_id", ids.id(2), "work_queue_name", "default")));
                    p.markDeploymentsReady(ids.id(4));
                    p.patchDeployment(ids.id(4), columns("tags", "[\"etl\"]"));
                    p.patchDeployment(
                            ids.id(4),
                            columns(
                                    "storage_document_id",
                                    ids.id(7),
                                    "version_id",
                                    ids.id(8),
                                    "updated_by",
                                    "{\"id\": \"" + ids.id(10)
                                            + "\", \"type\": \"USER\", \"display_value\": \"alice\"}"));
                    p.patchDeployment(ids.id(4), columns("description", "Shows the storage set silently before"));
                },
                List.of(
                        "prefect.flow.created etl-silent",
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created k8s-silent",
                        "prefect.deployment.created nightly",
                        "prefect.deployment.updated nightly"),
                List.of()));
        cases.add(new Case(
                305,
                "deployment",
                "set-null-by-a-foreign-key-is-silent",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-set-null");
                    p.createWorkPool(ids.id(1), "k8s-set-null", "kubernetes", null, K8S_TEMPLATE, ids.id(2));
                    p.createWorkQueue(ids.id(3), ids.id(1), "urgent", "", 2, null, Map.of());
                    p.call(() -> {
                        p.upsertDeployment(p.deploymentRow(
                                ids.id(4),
                                ids.id(9),
                                "limited",
                                columns("work_queue_id", ids.id(3), "work_queue_name", "urgent")));
                        p.insertDeploymentLimit(ids.id(5), ids.id(4), 1);
                    });
                    p.deleteWorkQueue(ids.id(3));
                    // DELETE /v2/concurrency_limits/{id} of the deployment's own limit
                    p.call(() -> p.delete("concurrency_limit_v2", ids.id(5)));
                },
                List.of(
                        "prefect.flow.created etl-set-null",
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created k8s-set-null",
                        "prefect.work-queue.created urgent",
                        "prefect.deployment.created limited",
                        "prefect.work-queue.deleted urgent"),
                List.of()));
        cases.add(new Case(
                306,
                "deployment",
                "concurrency-limit-patches-announce-the-limit-id",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-limits");
                    p.createDeployment(p.deploymentRow(ids.id(4), ids.id(9), "limited", columns()));
                    // PATCH {"concurrency_limit": 2}: a new deployment: limit (Prefect's PATCH path announces nothing,
                    // §4.6 #4)
                    p.call(() -> p.insertDeploymentLimit(ids.id(5), ids.id(4), 2));
                    // PATCH {"concurrency_limit": null}: the limit deleted, its id nulled by the foreign key, updated
                    // bumped
                    p.call(() -> {
                        p.updateDeployment(ids.id(4), columns("concurrency_limit", null));
                        p.delete("concurrency_limit_v2", ids.id(5));
                    });
                },
                List.of(
                        "prefect.flow.created etl-limits",
                        "prefect.deployment.created limited",
                        "prefect.deployment.updated limited",
                        "prefect.deployment.updated limited"),
                List.of()));
        cases.add(new Case(
                307,
                "deployment",
                "deleted-as-before-the-transaction",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-delete");
                    p.createWorkPool(ids.id(1), "k8s-delete", "kubernetes", null, K8S_TEMPLATE, ids.id(2));
                    p.createAnonymousDocument(ids.id(7), TYPE, SCHEMA);
                    p.call(() -> {
                        p.upsertDeployment(p.deploymentRow(
                                ids.id(4),
                                ids.id(9),
                                "nightly",
                                columns(
                                        "work_queue_id",
                                        ids.id(2),
                                        "work_queue_name",
                                        "default",
                                        "storage_document_id",
                                        ids.id(7))));
                        p.insertDeploymentLimit(ids.id(5), ids.id(4), 2);
                    });
                    p.deleteDeployment(ids.id(4), ids.id(5));
                },
                List.of(
                        "prefect.flow.created etl-delete",
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created k8s-delete",
                        "prefect.deployment.created nightly",
                        "prefect.deployment.deleted nightly"),
                List.of()));
        cases.add(new Case(
                308,
                "deployment",
                "deleted-with-its-flow-is-silent",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-cascade");
                    p.createDeployment(p.deploymentRow(ids.id(4), ids.id(9), "adhoc", columns()));
                    p.createDeployment(p.deploymentRow(ids.id(5), ids.id(9), "backfill", columns()));
                    p.deleteFlow(ids.id(9));
                    // POST /flows/bulk_delete (delete_flows, since 3.6.16): the deployments first, then the flow
                    p.createFlow(ids.id(10), "etl-bulk");
                    p.createDeployment(p.deploymentRow(ids.id(6), ids.id(10), "hourly", columns()));
                    p.call(() -> {
                        p.execute("DELETE FROM deployment WHERE deployment.flow_id IN (?::uuid)", ids.id(10));
                        p.execute("DELETE FROM flow WHERE flow.id IN (?::uuid)", ids.id(10));
                    });
                },
                List.of(
                        "prefect.flow.created etl-cascade",
                        "prefect.deployment.created adhoc",
                        "prefect.deployment.created backfill",
                        "prefect.flow.deleted etl-cascade",
                        "prefect.flow.created etl-bulk",
                        "prefect.deployment.created hourly",
                        "prefect.flow.deleted etl-bulk"),
                List.of()));
        cases.add(new Case(
                309,
                "deployment",
                "deleted-with-its-block-document-is-silent",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-documents");
                    p.createAnonymousDocument(ids.id(7), TYPE, SCHEMA);
                    p.createAnonymousDocument(ids.id(8), TYPE, SCHEMA);
                    p.createDeployment(p.deploymentRow(
                            ids.id(4), ids.id(9), "from-storage", columns("storage_document_id", ids.id(7))));
                    p.createDeployment(p.deploymentRow(
                            ids.id(5),
                            ids.id(9),
                            "on-infrastructure",
                            columns("infrastructure_document_id", ids.id(8))));
                    p.deleteDocument(ids.id(7));
                    p.deleteDocument(ids.id(8));
                },
                List.of(
                        "prefect.flow.created etl-documents",
                        "prefect.deployment.created from-storage",
                        "prefect.deployment.created on-infrastructure"),
                List.of()));
        cases.add(new Case(
                310,
                "deployment",
                "pause-endpoints-emit-updated",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-pause");
                    p.createDeployment(p.deploymentRow(ids.id(4), ids.id(9), "nightly", columns()));
                    // POST /deployments/{id}/pause_deployment and resume_deployment: paused set on the ORM object
                    p.call(() -> p.update("deployment", ids.id(4), columns("paused", true, "updated", p.time())));
                    p.call(() -> p.update("deployment", ids.id(4), columns("paused", false, "updated", p.time())));
                },
                List.of(
                        "prefect.flow.created etl-pause",
                        "prefect.deployment.created nightly",
                        "prefect.deployment.updated nightly",
                        "prefect.deployment.updated nightly"),
                List.of()));
        cases.add(new Case(
                311,
                "deployment",
                "bulk-delete-in-wal-order",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-bulk-delete");
                    p.createDeployment(p.deploymentRow(ids.id(4), ids.id(9), "alpha", columns()));
                    p.createDeployment(p.deploymentRow(ids.id(5), ids.id(9), "beta", columns()));
                    p.createDeployment(p.deploymentRow(ids.id(6), ids.id(9), "gamma", columns()));
                    // POST /deployments/bulk_delete (delete_deployments): limits, then one DELETE … WHERE id IN (…)
                    p.call(() -> p.execute(
                            "DELETE FROM deployment WHERE deployment.id IN (?::uuid, ?::uuid, ?::uuid)",
                            ids.id(6),
                            ids.id(4),
                            ids.id(5)));
                },
                List.of(
                        "prefect.flow.created etl-bulk-delete",
                        "prefect.deployment.created alpha",
                        "prefect.deployment.created beta",
                        "prefect.deployment.created gamma",
                        "prefect.deployment.deleted alpha",
                        "prefect.deployment.deleted beta",
                        "prefect.deployment.deleted gamma"),
                List.of()));
        cases.add(new Case(
                312,
                "deployment",
                "queue-created-by-the-deployment-call",
                (p, ids, setUp) -> {
                    p.createFlow(ids.id(9), "etl-backfill");
                    p.createWorkPool(ids.id(1), "k8s-backfill", "kubernetes", null, K8S_TEMPLATE, ids.id(2));
                    p.createAnonymousDocument(ids.id(8), TYPE, SCHEMA);
                    // POST /deployments/ naming a queue that does not exist: the queue, then the deployment
                    p.call(() -> {
                        p.insertWorkQueue(ids.id(3), ids.id(1), "backfill-q", "", 2, null);
                        p.upsertDeployment(p.deploymentRow(
                                ids.id(4),
                                ids.id(9),
                                "backfill",
                                columns(
                                        "work_queue_id",
                                        ids.id(3),
                                        "work_queue_name",
                                        "backfill-q",
                                        "infrastructure_document_id",
                                        ids.id(8),
                                        "labels",
                                        "{\"team\": \"data\", \"prefect.flow.id\": \"" + ids.id(9) + "\"}")));
                    });
                    p.patchDeployment(ids.id(4), columns("work_queue_id", ids.id(2), "work_queue_name", "default"));
                },
                List.of(
                        "prefect.flow.created etl-backfill",
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created k8s-backfill",
                        "prefect.work-queue.created backfill-q",
                        "prefect.deployment.created backfill",
                        "prefect.deployment.updated backfill"),
                List.of()));
        cases.add(new Case(
                313,
                "deployment",
                "update-without-earlier-state-is-a-dead-letter",
                (p, ids, setUp) -> {
                    setUp.notInGolden(() -> {
                        p.createFlow(ids.id(9), "etl-unseen");
                        p.createDeployment(p.deploymentRow(ids.id(4), ids.id(9), "unseen", columns()));
                    });
                    p.patchDeployment(ids.id(4), columns("description", "Its earlier state was never captured"));
                },
                List.of(
                        "prefect.flow.created etl-unseen",
                        "prefect.deployment.created unseen",
                        "prefect.deployment.updated unseen"),
                List.of("deployment update of a row never seen")));
        return cases;
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static void run(List<Case> cases, String tables, Database database) throws Exception {
        PhaseTimings timings = new PhaseTimings("ObjectEventsIT " + tables);
        TopologySettings settings = TopologySettings.defaults();
        try (LocalStack stack = LocalStack.start()) {
            DatabaseCoordinates coordinates = database.create(stack);
            timings.lap("stack start");
            run(cases, stack, coordinates, settings, timings);
        } finally {
            timings.print();
        }
    }

    private static void run(
            List<Case> cases,
            LocalStack stack,
            DatabaseCoordinates coordinates,
            TopologySettings settings,
            PhaseTimings timings)
            throws Exception {
        try (Connection db = stack.postgres().connect(coordinates.dbname())) {
            stack.kafka().createTopics(List.of(settings.eventsTopic(), settings.deadLetterTopic()));
            try (AppUnderTest app = AppUnderTest.start(stack.bootstrapServers(), settings, Map.of());
                    CommittedRecords events = new CommittedRecords(stack.bootstrapServers(), settings.eventsTopic());
                    CommittedRecords deadLetters =
                            new CommittedRecords(stack.bootstrapServers(), settings.deadLetterTopic());
                    CdcCapture capture = new CdcCapture(stack.bootstrapServers())) {
                stack.connect().registerConnector(ConnectorDefinition.load(), coordinates, Duration.ofSeconds(60));
                app.awaitRunning(Duration.ofSeconds(60));
                timings.lap("connector and app running");

                PrefectObjectWrites prefect = new PrefectObjectWrites(db, Instant.parse("2026-06-05T14:00:00.000001Z"));
                List<String> expected = new ArrayList<>();
                prefect.createBlockTypeAndSchema(TYPE, SCHEMA, "Storage");
                expected.add("prefect.block-type.created Storage");
                Map<Case, Set<Long>> golden = new LinkedHashMap<>();
                Set<Case> complete = new HashSet<>();
                for (Case c : cases) {
                    List<Long> setUp = new ArrayList<>();
                    int before = prefect.transactions().size();
                    c.writes().run(prefect, new Ids(c.number()), step -> {
                        int from = prefect.transactions().size();
                        step.run();
                        setUp.addAll(prefect.transactions()
                                .subList(from, prefect.transactions().size()));
                    });
                    Set<Long> own = new HashSet<>(prefect.transactions()
                            .subList(before, prefect.transactions().size()));
                    own.removeAll(setUp);
                    golden.put(c, own);
                    if (setUp.isEmpty()) {
                        complete.add(c);
                    }
                    expected.addAll(c.events());
                }
                prefect.call(() -> prefect.insert(
                        "variable",
                        columns(
                                "id",
                                SENTINEL,
                                "created",
                                prefect.time(),
                                "updated",
                                prefect.time(),
                                "name",
                                "object_events_it_sentinel",
                                "value",
                                "\"end\"",
                                "tags",
                                "[]")));
                timings.lap("Prefect's writes");
                await("the sentinel's event")
                        .atMost(Duration.ofSeconds(120))
                        .pollInSameThread()
                        .until(() -> {
                            events.poll(Duration.ofMillis(100));
                            capture.poll();
                            return events.all().stream().anyMatch(r -> r.key().equals("prefect.variable." + SENTINEL));
                        });
                await("the sentinel's change captured")
                        .atMost(Duration.ofSeconds(30))
                        .pollInSameThread()
                        .until(() -> capture.poll().records().stream()
                                .anyMatch(r -> r.value() != null && r.value().contains(SENTINEL)));
                timings.lap("events up to the sentinel");

                if (CAPTURE) {
                    for (Case c : cases) {
                        write(c.dir().resolve("input.jsonl"), linesOf(capture.records(), golden.get(c)));
                    }
                    System.out.println("ObjectEventsIT: captured the input of " + cases.size() + " cases; "
                            + "now GoldenCasesTest -Dgolden.update=true, and review the expected events");
                }
                List<String> received = events.all().stream()
                        .map(Received::value)
                        .filter(v -> !v.contains(SENTINEL))
                        .toList();
                List<String> deadLetterReasons = deadLetters.readToEnd(Duration.ofSeconds(10)).stream()
                        .map(d -> d.header("dlq.reason"))
                        .toList();
                assertEquals(
                        String.join("\n", expected),
                        String.join(
                                "\n",
                                received.stream().map(ObjectEventsIT::nameOf).toList()),
                        "events, as <event> <resource name>");
                assertEquals(List.of(), deadLetterReasons, "dead letters of the live run");
                assertGoldenEvents(cases, complete, received.subList(1, received.size()));
                PipelineScenario.checkWithOracle("ObjectEventsIT", received);
                timings.lap("assertions");
            }
        }
    }

    /**
     * The live events of the cases whose every write is in their golden input equal those cases' reviewed golden
     * events, apart from {@code occurred} and {@code id} (the commit times and LSNs of this run).
     */
    private static void assertGoldenEvents(List<Case> cases, Set<Case> complete, List<String> received)
            throws IOException {
        int at = 0;
        for (Case c : cases) {
            List<String> live = received.subList(at, at + c.events().size());
            at += c.events().size();
            Path expected = c.dir().resolve("expected.jsonl");
            if (!Files.exists(expected)) {
                fail("missing " + expected + ": capture the inputs (-Dgolden.capture=true), then run GoldenCasesTest "
                        + "with -Dgolden.update=true and review the events");
            }
            Path deadLetters = c.dir().resolve("expected-dead-letters.txt");
            List<String> goldenReasons =
                    Files.exists(deadLetters) ? Files.readAllLines(deadLetters, StandardCharsets.UTF_8) : List.of();
            assertEquals(
                    c.deadLetters().size(), goldenReasons.size(), c.name() + ": golden dead letters " + goldenReasons);
            for (int i = 0; i < goldenReasons.size(); i++) {
                assertTrue(goldenReasons.get(i).contains(c.deadLetters().get(i)), goldenReasons.get(i));
            }
            if (!complete.contains(c)) {
                continue; // its golden input leaves out writes whose events the live run has
            }
            List<String> golden = Files.readAllLines(expected, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank())
                    .map(PipelineScenario::masked)
                    .toList();
            assertEquals(
                    String.join("\n", golden),
                    String.join(
                            "\n", live.stream().map(PipelineScenario::masked).toList()),
                    c.kind() + "/" + c.name() + ": the live events differ from the golden ones");
        }
    }

    /** The records of the given transactions, in the stream's order: BEGIN, changes and their tombstones, END. */
    private static List<String> linesOf(List<Captured> records, Set<Long> transactions) {
        List<String> lines = new ArrayList<>();
        long current = -1;
        for (Captured r : records) {
            if (r.isTombstone()) {
                if (transactions.contains(current)) {
                    lines.add(r.goldenLine());
                }
                continue;
            }
            JsonNode value = r.valueJson();
            if (r.isTransactionMarker()) {
                current = Long.parseLong(CdcCapture.txId(value.path("id").asText()));
            } else {
                current = value.path("source").path("txId").asLong(-1);
            }
            if (transactions.contains(current)) {
                lines.add(r.goldenLine());
            }
        }
        return lines;
    }

    /** {@code storage_configuration} as Prefect stores a PATCH of its result storage block: the whole model. */
    private static String storageWithResultBlock(String blockId) {
        return STORAGE_NULLS.replace(
                "\"default_result_storage_block_id\": null",
                "\"default_result_storage_block_id\": \"" + blockId + "\"");
    }

    private static String nameOf(String event) {
        try {
            JsonNode node = Json.parse(event);
            return node.path("event").asText() + " "
                    + node.path("resource").path("prefect.resource.name").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path file, List<String> lines) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, lines, StandardCharsets.UTF_8);
    }
}
