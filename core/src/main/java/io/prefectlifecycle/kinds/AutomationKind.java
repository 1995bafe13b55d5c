package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.event.PrefectTimestamps;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code automation} → {@code prefect.automation.*}; the payload is the whole automation in Prefect's model order
 * ({@code name, description, enabled, tags, trigger, actions, actions_on_trigger, actions_on_resolve, id, created,
 * updated}), with trigger and actions re-validated through {@link AutomationModels}. Before Prefect 3.4.7 (migration
 * aa1234567890) there is no {@code tags} column: the model's default {@code []}.
 */
public final class AutomationKind implements ObjectKind {

    @Override
    public String table() {
        return "automation";
    }

    @Override
    public Optional<String> eventKind() {
        return Optional.of("automation");
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row row = change.row();
        String name = row.requiredString("name");
        String id = row.requiredString("id");
        ObjectNode payload = Payloads.object();
        payload.put("name", name);
        payload.put("description", row.requiredString("description"));
        payload.put("enabled", row.bool("enabled"));
        payload.set("tags", row.has("tags") ? row.json("tags") : Payloads.NODES.arrayNode());
        payload.set("trigger", AutomationModels.trigger(row.json("trigger")));
        payload.set("actions", AutomationModels.actions(row.json("actions"), "actions"));
        payload.set(
                "actions_on_trigger", AutomationModels.actions(row.json("actions_on_trigger"), "actions_on_trigger"));
        payload.set(
                "actions_on_resolve", AutomationModels.actions(row.json("actions_on_resolve"), "actions_on_resolve"));
        payload.put("id", id);
        payload.put("created", formatted(row.timestamp("created")));
        payload.put("updated", formatted(row.timestamp("updated")));
        return Payloads.emit("automation", id, name, List.of(), payload);
    }

    private static String formatted(Instant time) {
        return time == null ? null : PrefectTimestamps.format(time);
    }
}
