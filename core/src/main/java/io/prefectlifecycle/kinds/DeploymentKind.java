package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.event.Label;
import io.prefectlifecycle.event.RelatedResource;
import io.prefectlifecycle.event.Resource;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import static io.prefectlifecycle.cdc.DeadLetterCategory.MISSING_STATE;
import static io.prefectlifecycle.cdc.DeadLetterCategory.UNSUPPORTED_MODEL;
import static io.prefectlifecycle.cdc.IgnoredCategory.SILENT;

/**
 * {@code deployment} → {@code prefect.deployment.*} ({@code models/events.py}, spec prefect-object-events §3.3).
 * <ul>
 *   <li>Resource: id, name. Related, each when it applies: the flow, the work queue, the queue's pool (names from
 *       state, after the transaction or before it when it deleted the row; unknown: dead letter), then by id the
 *       {@code storage} and {@code infrastructure} block documents and the {@code concurrency-limit}.</li>
 *   <li>{@code created}: the deployment as the transaction leaves it; payload {@code {}}.</li>
 *   <li>{@code updated}: the 15 event fields that changed, in the canonical order of Prefect's
 *       {@code DEPLOYMENT_EVENT_FIELDS} literal (Prefect iterates the set: its order varies per process). D2: an
 *       update that kept {@code updated} is silent (a foreign key's SET NULL, status bookkeeping, a migration).</li>
 *   <li>{@code deleted}: the deployment before the transaction (Prefect builds the event before deleting anything,
 *       so a limit the same transaction nulls is still related). D1: silent when the transaction deleted its flow or
 *       its storage or infrastructure document (PostgreSQL's cascade; Prefect announces only the parent).</li>
 * </ul>
 */
public final class DeploymentKind implements ObjectKind {

    static final String TABLE = "deployment";
    private static final List<String> COLLISION_STRATEGIES = List.of("ENQUEUE", "CANCEL_NEW");
    private static final List<UpdatedFields.Field> EVENT_FIELDS = List.of(
            UpdatedFields.column("description"),
            UpdatedFields.json("tags"),
            UpdatedFields.json("parameters"),
            UpdatedFields.json("parameter_openapi_schema"),
            UpdatedFields.column("enforce_parameter_schema", BooleanNode.FALSE), // before 2.13.2: its default
            UpdatedFields.column("entrypoint"),
            UpdatedFields.column("path"),
            UpdatedFields.json("pull_steps"),
            UpdatedFields.column("work_queue_id"),
            UpdatedFields.json("infra_overrides"),
            UpdatedFields.columnIfPresent("paused"), // before 2.16 is_schedule_active stood for it: not mapped
            UpdatedFields.json("labels"),
            UpdatedFields.column("version"),
            UpdatedFields.column("concurrency_limit_id"),
            new UpdatedFields.Field("concurrency_options", DeploymentKind::concurrencyOptions));

    @Override
    public String table() {
        return TABLE;
    }

    @Override
    public List<String> lookupTables() {
        return List.of(FlowKind.TABLE, BlockDocumentKind.TABLE, WorkQueueKind.TABLE, WorkPoolKind.TABLE);
    }

    @Override
    public Optional<String> eventKind() {
        return Optional.of("deployment");
    }

    @Override
    public boolean dependsOnAction() {
        return true;
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        return switch (change.action()) {
            case CREATED -> emit(change.row(), Payloads.object(), lookups);
            case UPDATED -> updated(change, lookups);
            case DELETED -> deleted(change, lookups);
        };
    }

    private KindResult updated(RowChange change, Lookups lookups) {
        Row before = UpdatedFields.earlierState(change);
        Row after = change.row();
        if (Objects.equals(before.timestamp("updated"), after.timestamp("updated"))) {
            return new KindResult.Silent(
                    SILENT,
                    "deployment changed with `updated` kept (a foreign key's SET NULL, status "
                            + "bookkeeping or a migration)");
        }
        ObjectNode changes = UpdatedFields.changes(EVENT_FIELDS, before, after);
        if (changes == null) {
            return new KindResult.Silent(SILENT, "no deployment event field changed");
        }
        return emit(after, changes, lookups);
    }

    private KindResult deleted(RowChange change, Lookups lookups) {
        Row deployment = change.previous() != null ? change.previous() : change.row();
        TransactionView transaction = change.transaction();
        if (transaction.deleted(FlowKind.TABLE, deployment.requiredString("flow_id"))) {
            return new KindResult.Silent(
                    SILENT, "deleted by cascade with its flow (or by delete_flows right before it)");
        }
        for (String document : List.of("storage_document_id", "infrastructure_document_id")) {
            String id = deployment.string(document);
            if (id != null && transaction.deleted(BlockDocumentKind.TABLE, id)) {
                return new KindResult.Silent(
                        SILENT, "deleted by cascade with its storage or infrastructure block document");
            }
        }
        return emit(deployment, Payloads.object(), lookups);
    }

    private static KindResult emit(Row deployment, ObjectNode payload, Lookups lookups) {
        Resource resource =
                Resource.of("deployment", deployment.requiredString("id"), deployment.requiredString("name"));
        return Payloads.emit("deployment", resource, related(deployment, lookups), payload);
    }

    private static List<RelatedResource> related(Row deployment, Lookups lookups) {
        List<RelatedResource> related = new ArrayList<>(6);
        String flowId = deployment.requiredString("flow_id");
        Row flow = lookups.row(FlowKind.TABLE, flowId)
                .orElseThrow(() -> new KindException(
                        MISSING_STATE, "unknown flow " + flowId + " (the deployment's flow was never seen)"));
        related.add(RelatedResource.withId("flow", flowId)
                .named(flow.requiredString("name"))
                .with(Label.ROLE, "flow"));
        String queueId = deployment.string("work_queue_id");
        if (queueId != null) {
            Row queue = lookups.row(WorkQueueKind.TABLE, queueId)
                    .orElseThrow(() -> new KindException(
                            MISSING_STATE,
                            "unknown work_queue " + queueId + " (the deployment's work queue was never seen)"));
            related.add(WorkQueueKind.asRelated(queue));
            String poolId = queue.requiredString("work_pool_id");
            Row pool = lookups.row(WorkPoolKind.TABLE, poolId)
                    .orElseThrow(() -> new KindException(
                            MISSING_STATE,
                            "unknown work_pool " + poolId + " (the deployment's work pool was never seen)"));
            related.add(WorkPoolKind.asRelated(pool));
        }
        addById(related, deployment, "storage_document_id", "block-document", "storage");
        addById(related, deployment, "infrastructure_document_id", "block-document", "infrastructure");
        addById(related, deployment, "concurrency_limit_id", "concurrency-limit", "concurrency-limit");
        return related;
    }

    /** A reference column as a related resource with its id only; absent in older releases. */
    private static void addById(
            List<RelatedResource> related, Row deployment, String column, String kind, String role) {
        String id = deployment.columns().has(column) ? deployment.string(column) : null;
        if (id != null) {
            related.add(RelatedResource.of(kind, id, role));
        }
    }

    /**
     * {@code ConcurrencyOptions} as Prefect dumps it: {@code collision_strategy} then {@code grace_period_seconds}
     * ({@code null} when unset), other keys dropped (the model ignores them); NULL, and a release without the column
     * (before 3.0.3), is {@code null}.
     */
    static JsonNode concurrencyOptions(Row deployment) {
        JsonNode stored = deployment.columns().has("concurrency_options")
                ? deployment.json("concurrency_options")
                : NullNode.getInstance();
        if (stored.isNull()) {
            return stored;
        }
        JsonNode strategy = stored.path("collision_strategy");
        if (!stored.isObject() || !strategy.isTextual() || !COLLISION_STRATEGIES.contains(strategy.textValue())) {
            throw new KindException(
                    UNSUPPORTED_MODEL, "deployment.concurrency_options is not a ConcurrencyOptions model");
        }
        JsonNode grace = stored.path("grace_period_seconds");
        if (!grace.isMissingNode() && !grace.isNull() && !grace.isIntegralNumber()) {
            throw new KindException(
                    UNSUPPORTED_MODEL, "deployment.concurrency_options.grace_period_seconds is not an integer");
        }
        ObjectNode model = Payloads.object();
        model.set("collision_strategy", strategy);
        model.set("grace_period_seconds", grace.isMissingNode() ? NullNode.getInstance() : grace);
        return model;
    }
}
