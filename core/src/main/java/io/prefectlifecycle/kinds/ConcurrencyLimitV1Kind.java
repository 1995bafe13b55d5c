package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;

import java.util.List;
import java.util.Optional;

import static io.prefectlifecycle.cdc.IgnoredCategory.SILENT;

/**
 * Legacy {@code concurrency_limit} (v1) → {@code prefect.concurrency-limit.*} with the v1 payload
 * {@code {tag, concurrency_limit}}; the resource name is the tag. Silent for active-slot bookkeeping
 * ({@code reset_concurrency_limit_by_tag} and slot acquisition change only {@code active_slots}).
 */
public final class ConcurrencyLimitV1Kind implements ObjectKind {

    @Override
    public String table() {
        return "concurrency_limit";
    }

    @Override
    public Optional<String> eventKind() {
        return Optional.of("concurrency-limit");
    }

    /** Beside {@code concurrency-limit-v2}. */
    @Override
    public String name() {
        return "concurrency-limit-v1";
    }

    /** Slot churn is silent only for updates. */
    @Override
    public boolean dependsOnAction() {
        return true;
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row row = change.row();
        Row previous = change.previous();
        if (change.action() == Action.UPDATED
                && previous != null
                && !row.differsIn(previous, "tag", "concurrency_limit")
                && row.differsIn(previous, "active_slots")) {
            return new KindResult.Silent(SILENT, "active-slot bookkeeping: only active_slots changed");
        }
        String tag = row.requiredString("tag");
        ObjectNode payload = Payloads.object();
        payload.put("tag", tag);
        payload.set("concurrency_limit", row.integer("concurrency_limit"));
        return Payloads.emit("concurrency-limit", row.requiredString("id"), tag, List.of(), payload);
    }
}
