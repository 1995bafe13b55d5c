package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.event.Label;
import io.prefectlifecycle.event.RelatedResource;
import io.prefectlifecycle.event.Resource;

import java.util.List;
import java.util.Optional;

import static io.prefectlifecycle.cdc.DeadLetterCategory.MISSING_STATE;
import static io.prefectlifecycle.cdc.IgnoredCategory.SILENT;

/**
 * {@code work_queue} → {@code prefect.work-queue.*} ({@code models/events.py}, spec prefect-object-events §3.2).
 * <ul>
 *   <li>Resource: id, name, role {@code work-queue}. Related: the queue's pool (id, name, type, role), looked up
 *       after the transaction, or before it when the transaction deleted the pool; an unknown pool is a dead
 *       letter.</li>
 *   <li>{@code created}: payload {@code {}}; {@code deleted}: the queue before the transaction, payload {@code {}}
 *       (a pool's queues deleted with it come before the pool's event, {@link WorkPoolKind#eventsBefore}).</li>
 *   <li>{@code updated}: {@code name, description, concurrency_limit, priority} that changed, in that order
 *       ({@code WorkQueueUpdate}'s). Nothing else changed (pause, polls, status): silent. Only {@code priority}
 *       changed and the queue is not the transaction's target (Q1): silent, it is Prefect renumbering the pool's
 *       other queues after the target's change.</li>
 * </ul>
 */
public final class WorkQueueKind implements ObjectKind {

    static final String TABLE = "work_queue";
    private static final List<UpdatedFields.Field> EVENT_FIELDS = List.of(
            UpdatedFields.column("name"),
            UpdatedFields.column("description"),
            UpdatedFields.column("concurrency_limit"),
            UpdatedFields.column("priority"));

    @Override
    public String table() {
        return TABLE;
    }

    @Override
    public List<String> lookupTables() {
        return List.of(WorkPoolKind.TABLE);
    }

    @Override
    public Optional<String> eventKind() {
        return Optional.of("work-queue");
    }

    @Override
    public boolean dependsOnAction() {
        return true;
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row queue = change.action() == Action.DELETED && change.previous() != null ? change.previous() : change.row();
        ObjectNode payload = Payloads.object();
        if (change.action() == Action.UPDATED) {
            payload = UpdatedFields.changes(EVENT_FIELDS, UpdatedFields.earlierState(change), queue);
            if (payload == null) {
                return new KindResult.Silent(SILENT, "no work-queue event field changed (pause, polls or status)");
            }
            if (UpdatedFields.names(payload).equals(List.of("priority"))
                    && !queue.requiredString("id").equals(target(change.transaction()))) {
                return new KindResult.Silent(
                        SILENT, "priority renumbered after another queue's change in the transaction");
            }
        }
        String poolId = queue.requiredString("work_pool_id");
        Row pool = lookups.row(WorkPoolKind.TABLE, poolId)
                .orElseThrow(() -> new KindException(
                        MISSING_STATE, "unknown work_pool " + poolId + " (the queue's pool was never seen)"));
        Resource resource = Resource.of("work-queue", queue.requiredString("id"), queue.requiredString("name"))
                .with(Label.ROLE, "work-queue");
        return Payloads.emit("work-queue", resource, List.of(WorkPoolKind.asRelated(pool)), payload);
    }

    /**
     * The queue a transaction is about: the first queue it inserts, deletes, or changes an event field of. Prefect
     * renumbers the pool's other queues after it. Reads the transaction's rows up to that queue (the first queue
     * row, in Prefect's transactions); asked only for an update of {@code priority} alone.
     */
    private static String target(TransactionView transaction) {
        for (TouchedRow queue : transaction.touched(TABLE)) {
            if (queue.created()
                    || queue.deleted()
                    || (queue.before() != null
                            && UpdatedFields.anyChanged(EVENT_FIELDS, queue.before(), queue.after()))) {
                return queue.primaryKey();
            }
        }
        return null;
    }

    /** The queue as a related resource of a deployment's events. */
    static RelatedResource asRelated(Row queue) {
        return RelatedResource.withId("work-queue", queue.requiredString("id"))
                .named(queue.requiredString("name"))
                .with(Label.ROLE, "work-queue");
    }
}
