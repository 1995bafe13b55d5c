package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.event.RelatedResource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.prefectlifecycle.cdc.IgnoredCategory.SILENT;

/**
 * {@code artifact_collection} → {@code prefect.artifact-collection.*}; payload {@code {key, type, data, description}}
 * ({@code metadata_} is not part of it; {@code data} is a json column, so its text order is kept). Related: the
 * latest artifact always, then the flow run and task run when set. The resource name is the key.
 *
 * <p>Prefect announces a collection update only when its latest artifact changes ({@code models/artifacts.py}): a new
 * artifact with the key (the upsert points {@code latest_id} at it) or the deletion of the latest one (re-pointed at
 * the previous version, whose {@code created}/{@code updated} are copied in, so they move backwards). An update that
 * keeps {@code latest_id} is {@code update_artifact} (PATCH of the latest artifact) or a data migration: silent.
 */
public final class ArtifactCollectionKind implements ObjectKind {

    @Override
    public String table() {
        return "artifact_collection";
    }

    @Override
    public Optional<String> eventKind() {
        return Optional.of("artifact-collection");
    }

    /** The latest-artifact rule is about updates only. */
    @Override
    public boolean dependsOnAction() {
        return true;
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row row = change.row();
        if (change.action() == Action.UPDATED
                && change.previous() != null
                && !row.differsIn(change.previous(), "latest_id")) {
            return new KindResult.Silent(
                    SILENT, "artifact collection updated in place (same latest artifact): update_artifact");
        }
        String key = row.requiredString("key");
        List<RelatedResource> related = new ArrayList<>(3);
        related.add(RelatedResource.of("artifact", row.requiredString("latest_id"), "latest"));
        String flowRunId = row.string("flow_run_id");
        if (flowRunId != null) {
            related.add(RelatedResource.of("flow-run", flowRunId, "flow-run"));
        }
        String taskRunId = row.string("task_run_id");
        if (taskRunId != null) {
            related.add(RelatedResource.of("task-run", taskRunId, "task-run"));
        }
        ObjectNode payload = Payloads.object();
        payload.put("key", key);
        payload.put("type", row.string("type"));
        payload.set("data", row.json("data"));
        payload.put("description", row.string("description"));
        return Payloads.emit("artifact-collection", row.requiredString("id"), key, related, payload);
    }
}
