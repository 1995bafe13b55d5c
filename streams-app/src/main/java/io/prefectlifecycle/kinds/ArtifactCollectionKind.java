package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.event.RelatedResource;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code artifact_collection} → {@code prefect.artifact-collection.*}; payload {@code {key, type, data, description}}
 * ({@code metadata_} is not part of it; {@code data} is a json column, so its text order is kept). Related: the
 * latest artifact always, then the flow run and task run when set. The resource name is the key.
 */
public final class ArtifactCollectionKind implements ObjectKind {

    @Override
    public String table() {
        return "artifact_collection";
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row row = change.row();
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
