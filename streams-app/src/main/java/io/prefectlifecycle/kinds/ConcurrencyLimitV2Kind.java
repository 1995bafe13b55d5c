package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;

import java.util.List;

/**
 * {@code concurrency_limit_v2} → {@code prefect.concurrency-limit.*}; payload {@code {name, limit, active,
 * slot_decay_per_second}}. Silent for deployment-scoped limits ({@code deployment:<uuid>}) and for slot churn:
 * updates that change none of the payload's columns (Prefect's slot accounting writes those constantly).
 */
public final class ConcurrencyLimitV2Kind implements ObjectKind {

    static final String DEPLOYMENT_PREFIX = "deployment:";
    private static final String[] PAYLOAD_COLUMNS = {"name", "limit", "active", "slot_decay_per_second"};

    @Override
    public String table() {
        return "concurrency_limit_v2";
    }

    /** Slot churn is silent only for updates. */
    @Override
    public boolean dependsOnAction() {
        return true;
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row row = change.row();
        String name = row.requiredString("name");
        if (name.startsWith(DEPLOYMENT_PREFIX)) {
            return new KindResult.Silent("deployment-scoped concurrency limit");
        }
        if (change.action() == Action.UPDATED && change.previous() != null
                && !row.differsIn(change.previous(), PAYLOAD_COLUMNS)) {
            return new KindResult.Silent("slot churn: no payload column changed");
        }
        ObjectNode payload = Payloads.object();
        payload.put("name", name);
        payload.set("limit", row.integer("limit"));
        payload.put("active", row.bool("active"));
        payload.put("slot_decay_per_second", row.float64("slot_decay_per_second"));
        return Payloads.emit("concurrency-limit", row.requiredString("id"), name, List.of(), payload);
    }
}
