package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.event.Label;
import io.prefectlifecycle.event.RelatedResource;
import io.prefectlifecycle.event.Resource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static io.prefectlifecycle.cdc.DeadLetterCategory.UNSUPPORTED_MODEL;
import static io.prefectlifecycle.cdc.IgnoredCategory.SILENT;

/**
 * {@code work_pool} → {@code prefect.work-pool.*} ({@code models/events.py}, spec prefect-object-events §3.1).
 * <ul>
 *   <li>Resource: id, name, {@code prefect.work-pool.type}, role {@code work-pool}.</li>
 *   <li>{@code created}: the pool as the transaction leaves it (with the default queue it set); related
 *       {@code default-queue} and {@code result-storage} when set; payload {@code {}}. Its default queue's
 *       {@code work-queue.created} comes first ({@link #eventsBefore}).</li>
 *   <li>{@code updated}: {@code description, base_job_template, concurrency_limit, storage_configuration} that
 *       changed, in that order ({@code WorkPoolUpdate}'s); related {@code []}. Nothing else changed (pause, status,
 *       heartbeats): silent; Prefect emits a status event instead.</li>
 *   <li>{@code deleted}: the pool before the transaction; its queues' {@code work-queue.deleted} come first, by
 *       priority before the transaction, ties in WAL order.</li>
 * </ul>
 */
public final class WorkPoolKind implements ObjectKind {

    static final String TABLE = "work_pool";
    static final String TYPE_LABEL = "prefect.work-pool.type";
    private static final List<String> STORAGE_FIELDS =
            List.of("bundle_upload_step", "bundle_execution_step", "default_result_storage_block_id");
    private static final List<UpdatedFields.Field> EVENT_FIELDS = List.of(
            UpdatedFields.column("description"),
            UpdatedFields.json("base_job_template"),
            UpdatedFields.column("concurrency_limit"),
            new UpdatedFields.Field("storage_configuration", WorkPoolKind::storageConfiguration));

    @Override
    public String table() {
        return TABLE;
    }

    @Override
    public List<String> lookupTables() {
        return List.of(WorkQueueKind.TABLE);
    }

    @Override
    public Optional<String> eventKind() {
        return Optional.of("work-pool");
    }

    @Override
    public boolean dependsOnAction() {
        return true;
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row pool = change.action() == Action.DELETED && change.previous() != null ? change.previous() : change.row();
        if (change.action() != Action.UPDATED) {
            return Payloads.emit("work-pool", resource(pool), related(pool), Payloads.object());
        }
        ObjectNode changes = UpdatedFields.changes(EVENT_FIELDS, UpdatedFields.earlierState(change), pool);
        if (changes == null) {
            return new KindResult.Silent(SILENT, "no work-pool event field changed (pause, status or heartbeat)");
        }
        return Payloads.emit("work-pool", resource(pool), List.of(), changes);
    }

    /**
     * A new pool's default queue, whose {@code created} Prefect emits before the pool's; a deleted pool's queues that
     * the transaction deleted, by their priority before it (ties: the order of their changes). Cost: a new pool reads
     * nothing; a deleted pool reads the transaction's rows once ({@link TransactionView#touched}) and keeps its own
     * deleted queues (a pool has a handful).
     */
    @Override
    public boolean pullsEventsBefore() {
        return true;
    }

    @Override
    public List<RowRef> eventsBefore(RowChange change, Lookups lookups) {
        if (change.action() == Action.CREATED) {
            String defaultQueue = change.row().string("default_queue_id");
            return defaultQueue == null ? List.of() : List.of(new RowRef(WorkQueueKind.TABLE, defaultQueue));
        }
        if (change.action() != Action.DELETED) {
            return List.of();
        }
        String poolId = change.row().requiredString("id");
        List<TouchedRow> queues = new ArrayList<>();
        for (TouchedRow queue : change.transaction().touched(WorkQueueKind.TABLE)) {
            if (queue.deleted()
                    && queue.before() != null
                    && poolId.equals(queue.before().string("work_pool_id"))) {
                queues.add(queue);
            }
        }
        queues.sort(
                Comparator.comparingLong(q -> q.before().integer("priority").longValue())); // stable: ties keep order
        return queues.stream()
                .map(q -> new RowRef(WorkQueueKind.TABLE, q.primaryKey()))
                .toList();
    }

    static Resource resource(Row pool) {
        return Resource.of("work-pool", pool.requiredString("id"), pool.requiredString("name"))
                .with(TYPE_LABEL, pool.requiredString("type"))
                .with(Label.ROLE, "work-pool");
    }

    /** The pool as a related resource of its queues' and deployments' events. */
    static RelatedResource asRelated(Row pool) {
        return RelatedResource.withId("work-pool", pool.requiredString("id"))
                .named(pool.requiredString("name"))
                .with(TYPE_LABEL, pool.requiredString("type"))
                .with(Label.ROLE, "work-pool");
    }

    private static List<RelatedResource> related(Row pool) {
        List<RelatedResource> related = new ArrayList<>(2);
        String defaultQueue = pool.string("default_queue_id");
        if (defaultQueue != null) {
            related.add(RelatedResource.of("work-queue", defaultQueue, "default-queue"));
        }
        JsonNode resultStorage = storageConfiguration(pool).get("default_result_storage_block_id");
        if (!resultStorage.isNull()) {
            related.add(RelatedResource.of("block-document", resultStorage.textValue(), "result-storage"));
        }
        return related;
    }

    /**
     * {@code WorkPoolStorageConfiguration} as Prefect dumps it: its three fields in model order, {@code null} when
     * unset ({@code {}}, the column's default, and a release without the column, before 3.2.14, are the all-null
     * model); a key outside the model fails Prefect's validation ({@code extra="forbid"}) and so fails here.
     */
    static ObjectNode storageConfiguration(Row pool) {
        JsonNode stored = pool.columns().has("storage_configuration")
                ? pool.json("storage_configuration")
                : NullNode.getInstance();
        if (!stored.isNull() && !stored.isObject()) {
            throw new KindException(UNSUPPORTED_MODEL, "work_pool.storage_configuration is not an object");
        }
        for (Iterator<String> keys = stored.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!STORAGE_FIELDS.contains(key)) {
                throw new KindException(
                        UNSUPPORTED_MODEL,
                        "work_pool.storage_configuration has a field Prefect's model forbids: " + key);
            }
        }
        ObjectNode model = Payloads.object();
        for (String field : STORAGE_FIELDS.subList(0, 2)) {
            JsonNode step = stored.path(field);
            if (!step.isMissingNode() && !step.isNull() && !step.isObject()) {
                throw new KindException(
                        UNSUPPORTED_MODEL, "work_pool.storage_configuration." + field + " is not an object");
            }
            model.set(field, step.isMissingNode() ? NullNode.getInstance() : step);
        }
        JsonNode blockId = stored.path("default_result_storage_block_id");
        model.set(
                "default_result_storage_block_id",
                blockId.isMissingNode() || blockId.isNull()
                        ? NullNode.getInstance()
                        : Payloads.NODES.textNode(uuid(blockId)));
        return model;
    }

    private static String uuid(JsonNode value) {
        try {
            return UUID.fromString(value.asText()).toString();
        } catch (IllegalArgumentException e) {
            throw new KindException(
                    UNSUPPORTED_MODEL, "work_pool.storage_configuration.default_result_storage_block_id is not a UUID");
        }
    }
}
